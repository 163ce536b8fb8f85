// Builds safetensors images (header + data) for tests and benchmarks that need a checkpoint
// assembled in memory: random-weight models, repackaged golden models, heads with known values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/safetensors.h"

namespace qimg::nn {

struct TensorToWrite {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::string bytes;  // little-endian data, element count x dtype size bytes
};

// F32 tensor from floats; F16/BF16 variants round to nearest even.
TensorToWrite F32Tensor(std::string name, std::vector<int64_t> shape,
                        const std::vector<float>& values);
TensorToWrite HalfTensor(std::string name, std::vector<int64_t> shape,
                         const std::vector<float>& values, bool bf16);

// The whole file: 8-byte header length, JSON header (tensors in the given order, contiguous,
// header padded with spaces to 8 bytes), data. `metadata` becomes "__metadata__" when not empty.
std::string SerializeSafetensors(
    const std::vector<TensorToWrite>& tensors,
    const std::vector<std::pair<std::string, std::string>>& metadata = {{"format", "pt"}});

}  // namespace qimg::nn
