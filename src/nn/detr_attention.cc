#include "nn/detr_attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "nn/parallel.h"
#include "nn/transformer.h"
#include "nn/vector_math.h"

namespace qimg::nn {
namespace {

// dst[r] = a[r] + b[r or shared row] for rows of d floats (b null: a copy).
void AddRows(const float* a, const float* b, bool b_shared, int64_t rows, int64_t shared_rows,
             int d, float* dst) {
#pragma omp parallel for schedule(static) if (WorthParallel(rows * d))
  for (int64_t r = 0; r < rows; ++r) {
    const float* ar = a + r * d;
    float* yr = dst + r * d;
    if (!b) {
      std::copy(ar, ar + d, yr);
      continue;
    }
    const float* br = b + (b_shared ? r % shared_rows : r) * d;
    for (int i = 0; i < d; ++i) yr[i] = ar[i] + br[i];
  }
}

}  // namespace

Result<DetrAttention> DetrAttention::Load(const SafetensorsFile& f, const std::string& prefix,
                                          int d, int heads) {
  DetrAttention a;
  a.d_ = d;
  a.heads_ = heads;
  QIMG_ASSIGN_OR_RETURN(a.q_, LoadLinear(f, prefix + ".q_proj", d, d, true));
  QIMG_ASSIGN_OR_RETURN(a.k_, LoadLinear(f, prefix + ".k_proj", d, d, true));
  QIMG_ASSIGN_OR_RETURN(a.v_, LoadLinear(f, prefix + ".v_proj", d, d, true));
  QIMG_ASSIGN_OR_RETURN(a.out_, LoadLinear(f, prefix + ".out_proj", d, d, true));
  // transformers scales q after adding the bias; folding the scale into both keeps the order of
  // operations up to one rounding.
  const float scale = 1.0f / std::sqrt(static_cast<float>(d / heads));
  for (float& w : a.q_.weight) w *= scale;
  for (float& b : a.q_.bias) b *= scale;
  return a;
}

Status DetrAttention::Forward(const Inputs& in, int batch, float* out) const {
  const int d = d_;
  const int hd = d / heads_;
  const int64_t q_rows = static_cast<int64_t>(batch) * in.q_len;
  const int64_t kv_rows = static_cast<int64_t>(batch) * in.kv_len;
  std::vector<float> tmp(static_cast<size_t>(std::max(q_rows, kv_rows)) * d);
  std::vector<float> q(static_cast<size_t>(q_rows) * d), k(static_cast<size_t>(kv_rows) * d),
      v(static_cast<size_t>(kv_rows) * d), ctx(static_cast<size_t>(q_rows) * d);
  AddRows(in.q_in, in.q_pos, in.q_pos_shared, q_rows, in.q_len, d, tmp.data());
  QIMG_RETURN_IF_ERROR(LinearForward(q_, tmp.data(), q_rows, q.data()));
  AddRows(in.kv_in, in.k_pos, in.k_pos_shared, kv_rows, in.kv_len, d, tmp.data());
  QIMG_RETURN_IF_ERROR(LinearForward(k_, tmp.data(), kv_rows, k.data()));
  QIMG_RETURN_IF_ERROR(LinearForward(v_, in.kv_in, kv_rows, v.data()));

  // One task per (item, head), each on one thread with its own score matrix: one fork/join per
  // attention instead of three per head, which matters on a loaded machine.
  const int n = in.kv_len;
  const int tasks = batch * heads_;
  Status status;
#pragma omp parallel
  {
    std::vector<float> scores(static_cast<size_t>(in.q_len) * n);
    ScopedThreads one(1);
#pragma omp for schedule(static)
    for (int task = 0; task < tasks; ++task) {
      const int b = task / heads_, h = task % heads_;
      const uint8_t* mask = in.key_mask ? in.key_mask + static_cast<int64_t>(b) * n : nullptr;
      const float* qb = q.data() + static_cast<int64_t>(b) * in.q_len * d + h * hd;
      const float* kb = k.data() + static_cast<int64_t>(b) * n * d + h * hd;
      const float* vb = v.data() + static_cast<int64_t>(b) * n * d + h * hd;
      float* cb = ctx.data() + static_cast<int64_t>(b) * in.q_len * d + h * hd;
      Status s = Sgemm(true, in.q_len, n, hd, 1.0f, qb, d, kb, d, 0.0f, scores.data(), n);
      for (int r = 0; s.ok() && r < in.q_len; ++r) {
        float* row = scores.data() + static_cast<int64_t>(r) * n;
        // Padding keys get float32's lowest value added in transformers, which underflows to
        // probability 0 whenever one real key exists; they are zeroed here directly.
        float mx = -INFINITY;
        for (int j = 0; j < n; ++j) {
          if (!mask || mask[j]) mx = std::max(mx, row[j]);
        }
        float sum = 0.0f;
        for (int j = 0; j < n; ++j) {
          const float e = (!mask || mask[j]) ? Exp(row[j] - mx) : 0.0f;
          row[j] = e;
          sum += e;
        }
        const float inv = sum > 0 ? 1.0f / sum : 0.0f;
        for (int j = 0; j < n; ++j) row[j] *= inv;
      }
      if (s.ok()) s = Sgemm(false, in.q_len, hd, n, 1.0f, scores.data(), n, vb, d, 0.0f, cb, d);
      if (!s.ok()) {
#pragma omp critical(detr_attention_status)
        status = s;
      }
    }
  }
  QIMG_RETURN_IF_ERROR(status);
  return LinearForward(out_, ctx.data(), q_rows, out);
}

}  // namespace qimg::nn
