#include "nn/ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "nn/parallel.h"
#include "nn/vector_math.h"

namespace qimg::nn {

void LayerNorm(const float* x, int64_t rows, int dim, const float* gamma, const float* beta,
               float eps, float* y) {
#pragma omp parallel for schedule(static) if (WorthParallel(rows * dim))
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * dim;
    float* yr = y + r * dim;
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int i = 0; i < dim; ++i) sum += xr[i];
    const float mean = sum / static_cast<float>(dim);
    float sq = 0.0f;  // two passes: var from deviations, no cancellation
#pragma omp simd reduction(+ : sq)
    for (int i = 0; i < dim; ++i) {
      float d = xr[i] - mean;
      sq += d * d;
    }
    const float inv = 1.0f / std::sqrt(sq / static_cast<float>(dim) + eps);
    for (int i = 0; i < dim; ++i) yr[i] = (xr[i] - mean) * inv * gamma[i] + beta[i];
  }
}

namespace {

constexpr int kRows = 4;    // query rows per micro-tile
constexpr int kLanes = 16;  // floats in one AVX-512 register

// Tiles are kRows x W with W = 32 where possible: 8 independent accumulators hide the FMA
// latency (4 would leave half the FMA throughput unused).

// scores[r][jb .. jb + W) = sum_d q[r][d] * kt[d][jb ..] for kRows query rows: the accumulators
// stay in registers across the whole head dimension.
template <int W>
inline void ScoreTile(const float* const q[kRows], const float* kt, int seq_pad, int head_dim,
                      int jb, float* const s[kRows]) {
  float acc[kRows][W] = {};
  for (int d = 0; d < head_dim; ++d) {
    const float* kv = kt + static_cast<size_t>(d) * seq_pad + jb;
#pragma GCC unroll 4
    for (int r = 0; r < kRows; ++r) {
      const float qv = q[r][d];
#pragma omp simd
      for (int c = 0; c < W; ++c) acc[r][c] += qv * kv[c];
    }
  }
  for (int r = 0; r < kRows; ++r) {
    for (int c = 0; c < W; ++c) s[r][jb + c] = acc[r][c];
  }
}

// out[r][db .. db + W) = sum_j p[r][j] * v[j][db ..] for kRows rows.
template <int W>
inline void ValueTile(const float* const p[kRows], const float* v, int64_t ld, int n, int db,
                      float* const o[kRows]) {
  float acc[kRows][W] = {};
  for (int j = 0; j < n; ++j) {
    const float* vv = v + j * ld + db;
#pragma GCC unroll 4
    for (int r = 0; r < kRows; ++r) {
      const float pv = p[r][j];
#pragma omp simd
      for (int c = 0; c < W; ++c) acc[r][c] += pv * vv[c];
    }
  }
  for (int r = 0; r < kRows; ++r) {
    for (int c = 0; c < W; ++c) o[r][db + c] = acc[r][c];
  }
}

// Softmax of s[0, n) in place, zeroing s[n, len) (masked keys). The reductions run in kLanes
// independent lanes so the compiler vectorises them without -ffast-math.
inline void SoftmaxRow(float* s, int n, int len) {
  float lanes[kLanes];
  for (int c = 0; c < kLanes; ++c) lanes[c] = -std::numeric_limits<float>::infinity();
  int j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    for (int c = 0; c < kLanes; ++c) lanes[c] = s[j + c] > lanes[c] ? s[j + c] : lanes[c];
  }
  float mx = -std::numeric_limits<float>::infinity();
  for (int c = 0; c < kLanes; ++c) mx = std::max(mx, lanes[c]);
  for (; j < n; ++j) mx = std::max(mx, s[j]);
  for (j = 0; j < n; ++j) s[j] = Exp(s[j] - mx);
  for (int c = 0; c < kLanes; ++c) lanes[c] = 0.0f;
  for (j = 0; j + kLanes <= n; j += kLanes) {
    for (int c = 0; c < kLanes; ++c) lanes[c] += s[j + c];
  }
  float sum = 0.0f;
  for (int c = 0; c < kLanes; ++c) sum += lanes[c];
  for (; j < n; ++j) sum += s[j];
  const float inv = 1.0f / sum;
  for (j = 0; j < n; ++j) s[j] *= inv;
  for (j = n; j < len; ++j) s[j] = 0.0f;
}

// Any head_dim: plain loops (CLIP's heads are 64 wide, the tiled path below).
void AttentionHeadGeneric(const float* q, const float* k, const float* v, int64_t ld, int seq,
                          int head_dim, bool causal, int valid, float scale, float* scores,
                          float* o, int64_t ldo) {
  for (int i = 0; i < seq; ++i) {
    const int n = std::min(causal ? i + 1 : seq, valid);
    for (int j = 0; j < n; ++j) {
      float dot = 0.0f;
      for (int d = 0; d < head_dim; ++d) dot += q[i * ld + d] * k[j * ld + d];
      scores[j] = dot * scale;
    }
    SoftmaxRow(scores, n, n);
    for (int d = 0; d < head_dim; ++d) {
      float a = 0.0f;
      for (int j = 0; j < n; ++j) a += scores[j] * v[j * ld + d];
      o[i * ldo + d] = a;
    }
  }
}

}  // namespace

Status Attention(const float* qkv, int batch, int seq, int heads, int head_dim, bool causal,
                 float* out, const int* key_lengths) {
  const int hidden = heads * head_dim;
  const int64_t ld = 3 * static_cast<int64_t>(hidden);
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const int64_t jobs = static_cast<int64_t>(batch) * heads;
  constexpr int kKeyTile = 2 * kLanes;
  const int seq_pad = (seq + kKeyTile - 1) / kKeyTile * kKeyTile;
  const int row_pad = (seq + kRows - 1) / kRows * kRows;
  const bool tiled = head_dim % kLanes == 0;
  // One (batch, head) pair per task. CLIP's sequences are short (50 to 257 positions): a GEMM
  // call per head costs more in overhead than its arithmetic, so each head is computed with
  // register-tiled loops instead (K transposed and zero-padded once per head).
#pragma omp parallel if (jobs > 1 && WorthParallel(jobs * seq * seq * head_dim / 16))
  {
    std::vector<float> kt(static_cast<size_t>(head_dim) * seq_pad);
    std::vector<float> qs(static_cast<size_t>(row_pad) * head_dim);
    std::vector<float> probs(static_cast<size_t>(row_pad) * seq_pad);
    std::vector<float> tail(static_cast<size_t>(kRows) * head_dim);
#pragma omp for schedule(dynamic)
    for (int64_t job = 0; job < jobs; ++job) {
      const int b = static_cast<int>(job / heads);
      const int h = static_cast<int>(job % heads);
      const float* q = qkv + static_cast<int64_t>(b) * seq * ld + h * head_dim;
      const float* k = q + hidden;
      const float* v = q + 2 * hidden;
      float* o = out + static_cast<int64_t>(b) * seq * hidden + h * head_dim;
      const int valid = key_lengths ? std::clamp(key_lengths[b], 1, seq) : seq;
      if (!tiled) {
        AttentionHeadGeneric(q, k, v, ld, seq, head_dim, causal, valid, scale, probs.data(), o,
                             hidden);
        continue;
      }
      // K^T, zero-padded to seq_pad columns; contiguous stores (the loads gather).
      for (int d = 0; d < head_dim; ++d) {
        float* dst = kt.data() + static_cast<size_t>(d) * seq_pad;
        const float* src = k + d;
        for (int j = 0; j < seq; ++j) dst[j] = src[j * ld];
        for (int j = seq; j < seq_pad; ++j) dst[j] = 0.0f;
      }
      for (int i = 0; i < row_pad; ++i) {  // scaled queries; padding rows repeat the last one
        const float* src = q + std::min(i, seq - 1) * ld;
        float* dst = qs.data() + static_cast<size_t>(i) * head_dim;
        for (int d = 0; d < head_dim; ++d) dst[d] = src[d] * scale;
      }
      for (int i0 = 0; i0 < row_pad; i0 += kRows) {
        const float* qrow[kRows];
        float* srow[kRows];
        for (int r = 0; r < kRows; ++r) {
          qrow[r] = qs.data() + static_cast<size_t>(i0 + r) * head_dim;
          srow[r] = probs.data() + static_cast<size_t>(i0 + r) * seq_pad;
        }
        // With the causal mask, keys past the tile's last row are never needed.
        const int keys = std::min(causal ? std::min(seq, i0 + kRows) : seq, valid);
        for (int jb = 0; jb < keys; jb += kKeyTile) {
          ScoreTile<kKeyTile>(qrow, kt.data(), seq_pad, head_dim, jb, srow);
        }
        for (int r = 0; r < kRows; ++r) {
          const int i = std::min(i0 + r, seq - 1);
          SoftmaxRow(srow[r], std::min(causal ? i + 1 : seq, valid), keys);
        }
        float* orow[kRows];
        for (int r = 0; r < kRows; ++r) {
          orow[r] = i0 + r < seq ? o + static_cast<int64_t>(i0 + r) * hidden
                                 : tail.data() + static_cast<size_t>(r) * head_dim;
        }
        const float* const* prow = srow;
        if (head_dim % (2 * kLanes) == 0) {
          for (int db = 0; db < head_dim; db += 2 * kLanes)
            ValueTile<2 * kLanes>(prow, v, ld, keys, db, orow);
        } else {
          for (int db = 0; db < head_dim; db += kLanes)
            ValueTile<kLanes>(prow, v, ld, keys, db, orow);
        }
      }
    }
  }
  return Status::Ok();
}

Status PrefixCausalAttention(const float* qkv, const CausalSpan* spans, int count, int heads,
                             int head_dim, float* out) {
  const int hidden = heads * head_dim;
  const int64_t ld = 3 * static_cast<int64_t>(hidden);
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const int64_t jobs = static_cast<int64_t>(count) * heads;
  int max_keys = 0;
  int64_t work = 0;
  for (int s = 0; s < count; ++s) {
    const int keys = spans[s].prefix_length + spans[s].length;
    max_keys = std::max(max_keys, keys);
    work += static_cast<int64_t>(spans[s].length) * keys * hidden;
  }
  // The sequences this serves are a few positions each (a query after its cached template
  // prefix), so plain loops over contiguous copies of the head's keys and values beat the
  // padded, register-tiled path of Attention.
#pragma omp parallel if (jobs > 1 && WorthParallel(work / 16))
  {
    std::vector<float> keys(static_cast<size_t>(max_keys) * head_dim);
    std::vector<float> values(static_cast<size_t>(max_keys) * head_dim);
    std::vector<float> scores(static_cast<size_t>(max_keys));
#pragma omp for schedule(dynamic)
    for (int64_t job = 0; job < jobs; ++job) {
      const CausalSpan& span = spans[job / heads];
      const int h = static_cast<int>(job % heads);
      const int p = span.prefix_length;
      const int n = span.length;
      for (int j = 0; j < p; ++j) {
        const float* src = span.prefix_kv + static_cast<int64_t>(j) * 2 * hidden + h * head_dim;
        std::copy(src, src + head_dim, keys.data() + static_cast<size_t>(j) * head_dim);
        std::copy(src + hidden, src + hidden + head_dim,
                  values.data() + static_cast<size_t>(j) * head_dim);
      }
      const float* own = qkv + span.row * ld + h * head_dim;
      for (int j = 0; j < n; ++j) {
        const float* src = own + j * ld;
        std::copy(src + hidden, src + hidden + head_dim,
                  keys.data() + static_cast<size_t>(p + j) * head_dim);
        std::copy(src + 2 * hidden, src + 2 * hidden + head_dim,
                  values.data() + static_cast<size_t>(p + j) * head_dim);
      }
      for (int i = 0; i < n; ++i) {
        const float* q = own + i * ld;
        const int visible = p + i + 1;
        for (int j = 0; j < visible; ++j) {
          const float* k = keys.data() + static_cast<size_t>(j) * head_dim;
          float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
          for (int d = 0; d < head_dim; ++d) dot += q[d] * k[d];
          scores[static_cast<size_t>(j)] = dot * scale;
        }
        SoftmaxRow(scores.data(), visible, visible);
        float* o = out + (span.row + i) * hidden + h * head_dim;
        for (int d = 0; d < head_dim; ++d) o[d] = 0.0f;
        for (int j = 0; j < visible; ++j) {
          const float w = scores[static_cast<size_t>(j)];
          const float* v = values.data() + static_cast<size_t>(j) * head_dim;
#pragma omp simd
          for (int d = 0; d < head_dim; ++d) o[d] += w * v[d];
        }
      }
    }
  }
  return Status::Ok();
}

void ImageToPatchRows(const float* pixels, int batch, int channels, int image_size, int patch,
                      float* out) {
  const int g = image_size / patch;
  const int64_t patches = static_cast<int64_t>(batch) * g * g;
  const int64_t patch_in = static_cast<int64_t>(channels) * patch * patch;
  const int64_t image_floats = static_cast<int64_t>(channels) * image_size * image_size;
#pragma omp parallel for schedule(static) if (WorthParallel(patches * patch_in))
  for (int64_t n = 0; n < patches; ++n) {
    const int64_t b = n / (g * g);
    const int pr = static_cast<int>(n % (g * g)) / g;
    const int pc = static_cast<int>(n % (g * g)) % g;
    const float* img = pixels + b * image_floats;
    float* dst = out + n * patch_in;
    for (int ch = 0; ch < channels; ++ch) {
      for (int y = 0; y < patch; ++y) {
        const float* src =
            img + (static_cast<int64_t>(ch) * image_size + pr * patch + y) * image_size + pc * patch;
        std::memcpy(dst, src, sizeof(float) * patch);
        dst += patch;
      }
    }
  }
}

}  // namespace qimg::nn
