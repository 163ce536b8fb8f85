#include "nn/ops.h"

#include <cmath>
#include <limits>
#include <vector>

#include "nn/linear.h"
#include "nn/vector_math.h"

namespace qimg::nn {

void LayerNorm(const float* x, int64_t rows, int dim, const float* gamma, const float* beta,
               float eps, float* y) {
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * dim;
    float* yr = y + r * dim;
    float sum = 0.0f;
    for (int i = 0; i < dim; ++i) sum += xr[i];
    const float mean = sum / static_cast<float>(dim);
    float sq = 0.0f;  // two passes: var from deviations, no cancellation
    for (int i = 0; i < dim; ++i) {
      float d = xr[i] - mean;
      sq += d * d;
    }
    const float inv = 1.0f / std::sqrt(sq / static_cast<float>(dim) + eps);
    for (int i = 0; i < dim; ++i) yr[i] = (xr[i] - mean) * inv * gamma[i] + beta[i];
  }
}

Status Attention(const float* qkv, int batch, int seq, int heads, int head_dim, bool causal,
                 float* out) {
  const int hidden = heads * head_dim;
  const int64_t ld = 3 * static_cast<int64_t>(hidden);
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const int64_t jobs = static_cast<int64_t>(batch) * heads;
  bool failed = false;
  // One (batch, head) pair per task; the GEMMs inside run single-threaded because oneDNN does not
  // nest parallel regions.
#pragma omp parallel
  {
    std::vector<float> scores(static_cast<size_t>(seq) * seq);
#pragma omp for schedule(dynamic)
    for (int64_t job = 0; job < jobs; ++job) {
      const int b = static_cast<int>(job / heads);
      const int h = static_cast<int>(job % heads);
      const float* q = qkv + static_cast<int64_t>(b) * seq * ld + h * head_dim;
      const float* k = q + hidden;
      const float* v = q + 2 * hidden;
      float* o = out + static_cast<int64_t>(b) * seq * hidden + h * head_dim;
      // scores = scale * q k^T
      if (!Sgemm(true, seq, seq, head_dim, scale, q, ld, k, ld, 0.0f, scores.data(), seq).ok()) {
        failed = true;
        continue;
      }
      for (int i = 0; i < seq; ++i) {
        float* s = scores.data() + static_cast<int64_t>(i) * seq;
        const int n = causal ? i + 1 : seq;
        float mx = -std::numeric_limits<float>::infinity();
        for (int j = 0; j < n; ++j) mx = std::max(mx, s[j]);
        float sum = 0.0f;
        for (int j = 0; j < n; ++j) {
          s[j] = Exp(s[j] - mx);
          sum += s[j];
        }
        const float inv = 1.0f / sum;
        for (int j = 0; j < n; ++j) s[j] *= inv;
        for (int j = n; j < seq; ++j) s[j] = 0.0f;  // masked keys
      }
      // out_h = P v
      if (!Sgemm(false, seq, head_dim, seq, 1.0f, scores.data(), seq, v, ld, 0.0f, o, hidden).ok()) {
        failed = true;
      }
    }
  }
  if (failed) return Status::Internal("attention GEMM failed");
  return Status::Ok();
}

}  // namespace qimg::nn
