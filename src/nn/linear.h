// Fully connected layers, y = x W^T + b with W stored [out, in] as in PyTorch checkpoints, and the
// epilogues the encoder needs (activation, residual accumulation) applied in the same pass over
// the output. GEMMs go through oneDNN's dnnl_sgemm, or dnnl_gemm_u8s8s32 when the layer has been
// quantized: weights int8 per output channel, activations u8 per row (symmetric around 128), so
// each row of x and each output channel keeps its own scale.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "nn/clip_config.h"

namespace qimg::nn {

enum class Epilogue {
  kStore,       // y = x W^T + b
  kAccumulate,  // y += x W^T + b (residual connection)
  kActivation,  // y = act(x W^T + b)
};

struct Linear {
  int in = 0;
  int out = 0;
  std::vector<float> weight;  // [out, in], row-major
  std::vector<float> bias;    // [out], or empty for no bias
  // Set by Quantize(); weight is then released.
  std::vector<int8_t> qweight;  // [out, in]
  std::vector<float> qscale;    // [out]: weight[o][i] ~= qweight[o][i] * qscale[o]

  bool quantized() const { return !qweight.empty(); }
  // Converts the weights to int8 (per-output-channel symmetric). Frees the float weights.
  void Quantize();
};

// y[rows, out] (row stride out) from x[rows, in] (row stride in). Internal on a oneDNN failure.
Status LinearForward(const Linear& layer, const float* x, int64_t rows, float* y,
                     Epilogue epilogue = Epilogue::kStore, Activation act = Activation::kQuickGelu);

// C[M, N] = alpha * A[M, K] (lda) * B^T where B is [N, K] (ldb), + beta * C (ldc); row-major.
Status Sgemm(bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
             int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

}  // namespace qimg::nn
