#include "nn/linear.h"

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "nn/parallel.h"
#include "nn/vector_math.h"

namespace qimg::nn {
namespace {

// A bias of zeros for layers without one, so the epilogue loops have no conditional loads
// (which would keep them from vectorising).
const float* ZeroBias(int n) {
  static thread_local std::vector<float> zeros;
  if (zeros.size() < static_cast<size_t>(n)) zeros.assign(static_cast<size_t>(n), 0.0f);
  return zeros.data();
}

// Applies bias + epilogue to a row of `acc` (already x W^T) into y. acc may alias y.
inline void FinishRow(const float* acc, const float* bias, int n, float* y, Epilogue ep,
                      Activation act) {
  switch (ep) {
    case Epilogue::kStore:
      for (int j = 0; j < n; ++j) y[j] = acc[j] + bias[j];
      break;
    case Epilogue::kAccumulate:
      for (int j = 0; j < n; ++j) y[j] += acc[j] + bias[j];
      break;
    case Epilogue::kActivation:
      switch (act) {  // hoisted so each loop vectorises with one activation inlined
        case Activation::kQuickGelu:
          for (int j = 0; j < n; ++j) y[j] = Activate(Activation::kQuickGelu, acc[j] + bias[j]);
          break;
        case Activation::kGelu:
          for (int j = 0; j < n; ++j) y[j] = Activate(Activation::kGelu, acc[j] + bias[j]);
          break;
        case Activation::kGeluTanh:
          for (int j = 0; j < n; ++j) y[j] = Activate(Activation::kGeluTanh, acc[j] + bias[j]);
          break;
      }
      break;
  }
}

// GEMMs under ~8 MFLOP (a few tens of microseconds) run on one thread, for the reason given at
// kMinParallelElements.
bool SmallGemm(int64_t m, int64_t n, int64_t k) { return 2 * m * n * k < (int64_t{1} << 23); }

Status DnnlError(const char* what, dnnl_status_t s) {
  return Status::Internal(std::string(what) + " failed (oneDNN status " + std::to_string(s) + ")");
}

// Grows one of the calling thread's int8 scratch buffers (the OpenMP workers of a call share them).
template <typename T>
T* Scratch(std::vector<T>* v, size_t n) {
  if (v->size() < n) v->resize(n);
  return v->data();
}

// Row counts for which ForwardFloat computes (x W^T)^T = W x^T instead. With a few dozen rows
// (a query's prompt ensemble after its cached template prefixes: ~25-45 token rows), oneDNN's
// sgemm spends most of its time packing the large weight operand; with the weights as the GEMM's
// A side it streams them instead. Measured on ViT-B/32 shapes (bench/prompt_bench, nn_bench):
// the 5-prompt ensemble at 27 rows 42.6 -> 36.1 CPU ms; but the padded ensemble at 63 rows got
// slower (60.7 -> 77.6), and so did one image through the vision tower (50 rows, 768 wide:
// 8.9 -> 7.2 images per CPU-second), hence the narrow range.
constexpr int64_t kTransposedMinRows = 16;
constexpr int64_t kTransposedMaxRows = 48;

Status ForwardFloatTransposed(const Linear& l, const float* x, int64_t rows, float* y, Epilogue ep,
                              Activation act) {
  static thread_local std::vector<float> acc_buf;
  const int n = l.out;
  float* acc = Scratch(&acc_buf, static_cast<size_t>(n) * static_cast<size_t>(rows));
  QIMG_RETURN_IF_ERROR(
      Sgemm(true, n, rows, l.in, 1.0f, l.weight.data(), l.in, x, l.in, 0.0f, acc, rows));
  const float* bias = l.bias.empty() ? ZeroBias(n) : l.bias.data();
#pragma omp parallel if (WorthParallel(rows * n))
  {
    std::vector<float> col(static_cast<size_t>(n));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      for (int j = 0; j < n; ++j)
        col[static_cast<size_t>(j)] = acc[static_cast<int64_t>(j) * rows + r];
      FinishRow(col.data(), bias, n, y + r * n, ep, act);
    }
  }
  return Status::Ok();
}

Status ForwardFloat(const Linear& l, const float* x, int64_t rows, float* y, Epilogue ep,
                    Activation act) {
  if (rows >= kTransposedMinRows && rows <= kTransposedMaxRows) {
    return ForwardFloatTransposed(l, x, rows, y, ep, act);
  }
  const float* bias = l.bias.empty() ? nullptr : l.bias.data();
  if (ep == Epilogue::kAccumulate) {
    // The residual add is the GEMM's beta = 1; only the bias remains.
    QIMG_RETURN_IF_ERROR(
        Sgemm(true, rows, l.out, l.in, 1.0f, x, l.in, l.weight.data(), l.in, 1.0f, y, l.out));
    if (bias) {
#pragma omp parallel for schedule(static) if (WorthParallel(rows * l.out))
      for (int64_t r = 0; r < rows; ++r) {
        float* yr = y + r * l.out;
        for (int j = 0; j < l.out; ++j) yr[j] += bias[j];
      }
    }
    return Status::Ok();
  }
  QIMG_RETURN_IF_ERROR(
      Sgemm(true, rows, l.out, l.in, 1.0f, x, l.in, l.weight.data(), l.in, 0.0f, y, l.out));
  if (ep == Epilogue::kStore && !bias) return Status::Ok();
  if (!bias) bias = ZeroBias(l.out);
#pragma omp parallel for schedule(static) if (WorthParallel(rows * l.out))
  for (int64_t r = 0; r < rows; ++r) FinishRow(y + r * l.out, bias, l.out, y + r * l.out, ep, act);
  return Status::Ok();
}

Status ForwardInt8(const Linear& l, const float* x, int64_t rows, float* y, Epilogue ep,
                   Activation act) {
  static thread_local std::vector<uint8_t> xq_buf;
  static thread_local std::vector<float> xs_buf;
  static thread_local std::vector<int32_t> acc_buf;
  const int k = l.in;
  const int n = l.out;
  uint8_t* xq = Scratch(&xq_buf, static_cast<size_t>(rows) * static_cast<size_t>(k));
  float* xs = Scratch(&xs_buf, static_cast<size_t>(rows));
  int32_t* acc = Scratch(&acc_buf, static_cast<size_t>(rows) * static_cast<size_t>(n));
  // Per-row symmetric quantisation around 128: x ~= (q - 128) * scale.
#pragma omp parallel for schedule(static) if (WorthParallel(rows * k))
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * k;
    float amax = 0.0f;
#pragma omp simd reduction(max : amax)
    for (int i = 0; i < k; ++i) amax = std::max(amax, std::fabs(xr[i]));
    float scale = amax > 0 ? amax / 127.0f : 1.0f;
    float inv = 1.0f / scale;
    uint8_t* qr = xq + r * k;
    for (int i = 0; i < k; ++i) {
      qr[i] = static_cast<uint8_t>(static_cast<int>(std::nearbyint(xr[i] * inv)) + 128);
    }
    xs[r] = scale;
  }
  const int32_t zero = 0;
  ScopedThreads threads(SmallGemm(rows, n, k) ? 1 : NumThreads());
  dnnl_status_t s = dnnl_gemm_u8s8s32('N', 'T', 'F', rows, n, k, 1.0f, xq, k, 128, l.qweight.data(),
                                      k, 0, 0.0f, acc, n, &zero);
  if (s != dnnl_success) return DnnlError("dnnl_gemm_u8s8s32", s);
  const float* bias = l.bias.empty() ? ZeroBias(n) : l.bias.data();
  const float* ws = l.qscale.data();
#pragma omp parallel for schedule(static) if (WorthParallel(rows * n))
  for (int64_t r = 0; r < rows; ++r) {
    float row_buf[4096];
    std::vector<float> big;
    float* tmp = row_buf;
    if (n > 4096) {
      big.resize(static_cast<size_t>(n));
      tmp = big.data();
    }
    const int32_t* ar = acc + r * n;
    const float sx = xs[r];
    for (int j = 0; j < n; ++j) tmp[j] = static_cast<float>(ar[j]) * (sx * ws[j]);
    FinishRow(tmp, bias, n, y + r * n, ep, act);
  }
  return Status::Ok();
}

}  // namespace

void Linear::Quantize() {
  if (quantized() || weight.empty()) return;
  qweight.resize(weight.size());
  qscale.resize(static_cast<size_t>(out));
  for (int o = 0; o < out; ++o) {
    const float* w = weight.data() + static_cast<size_t>(o) * in;
    float amax = 0.0f;
    for (int i = 0; i < in; ++i) amax = std::max(amax, std::fabs(w[i]));
    float scale = amax > 0 ? amax / 127.0f : 1.0f;
    qscale[static_cast<size_t>(o)] = scale;
    int8_t* q = qweight.data() + static_cast<size_t>(o) * in;
    for (int i = 0; i < in; ++i) {
      q[i] = static_cast<int8_t>(std::max(-127.0f, std::min(127.0f, std::nearbyint(w[i] / scale))));
    }
  }
  weight.clear();
  weight.shrink_to_fit();
}

Status Sgemm(bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
             int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  ScopedThreads threads(SmallGemm(m, n, k) ? 1 : NumThreads());
  dnnl_status_t s =
      dnnl_sgemm('N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (s != dnnl_success) return DnnlError("dnnl_sgemm", s);
  return Status::Ok();
}

Status LinearForward(const Linear& layer, const float* x, int64_t rows, float* y, Epilogue epilogue,
                     Activation act) {
  if (rows == 0) return Status::Ok();
  if (layer.quantized()) return ForwardInt8(layer, x, rows, y, epilogue, act);
  return ForwardFloat(layer, x, rows, y, epilogue, act);
}

}  // namespace qimg::nn
