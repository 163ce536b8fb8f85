// 2-D convolution and max-pooling over NHWC feature maps (batch, height, width, channels; the
// channel index varies fastest), the layout the ResNet backbone keeps end to end so a 1x1
// convolution is a plain GEMM and no transposes sit between layers. Convolutions run on oneDNN's
// convolution primitive: it picks the fastest kernel for the machine and the blocked weight
// layout that kernel wants; weights are reordered once per layout and cached.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "nn/safetensors.h"

namespace qimg::nn {

struct Conv2dShape {
  int in_channels = 0;
  int out_channels = 0;
  int kernel = 1;  // square kernels only (ResNet and DETR use nothing else)
  int stride = 1;
  int padding = 0;
  // Output extent for an input extent (floor((in + 2 pad - kernel) / stride) + 1), or <= 0 when
  // the input is smaller than the kernel.
  int OutExtent(int in) const { return (in + 2 * padding - kernel) / stride + 1; }
};

// What a convolution adds to its output in the same pass.
struct ConvEpilogue {
  bool relu = false;      // y = max(0, ...)
  bool residual = false;  // y = conv(x) + b + y_in: y already holds the residual on entry
};

class Conv2d {
 public:
  Conv2d();
  ~Conv2d();
  Conv2d(Conv2d&&) noexcept;
  Conv2d& operator=(Conv2d&&) noexcept;

  // weight is PyTorch's [out, in, k, k]; bias is [out] or empty (no bias).
  static Result<Conv2d> Create(const Conv2dShape& shape, std::vector<float> weight,
                               std::vector<float> bias);
  // Reads "<prefix>.weight" with the given shape (and "<prefix>.bias" when with_bias).
  static Result<Conv2d> Load(const SafetensorsFile& f, const std::string& prefix,
                             const Conv2dShape& shape, bool with_bias);

  // Folds a frozen batch norm that follows the convolution into it:
  // y = conv(x) * s + (beta - mean * s) with s = gamma / sqrt(var + eps), per output channel.
  // Each vector has out_channels values. InvalidArgument on a size mismatch.
  Status FoldBatchNorm(const std::vector<float>& gamma, const std::vector<float>& beta,
                       const std::vector<float>& mean, const std::vector<float>& var, float eps);
  // Reads "<prefix>.{weight,bias,running_mean,running_var}" and folds them.
  Status LoadBatchNorm(const SafetensorsFile& f, const std::string& prefix, float eps);

  const Conv2dShape& shape() const { return shape_; }

  // x: NHWC [batch, height, width, in_channels]; y: NHWC [batch, OutExtent(height),
  // OutExtent(width), out_channels]. InvalidArgument when the output would be empty, Internal
  // when oneDNN fails. Safe to call from several threads at once.
  Status Forward(const float* x, int batch, int height, int width, float* y,
                 ConvEpilogue epilogue = {}) const;

 private:
  struct Cache;
  Conv2dShape shape_;
  std::vector<float> weight_;  // [out, in, k, k], batch norm folded in
  std::vector<float> bias_;    // [out] (zeros when the layer has neither bias nor batch norm)
  std::unique_ptr<Cache> cache_;
};

// 2-D max-pooling on NHWC with implicit -inf padding (PyTorch's MaxPool2d). y has
// OutExtent(height) x OutExtent(width) positions of the same channels.
void MaxPool2d(const float* x, int batch, int height, int width, int channels, int kernel,
               int stride, int padding, float* y);

}  // namespace qimg::nn
