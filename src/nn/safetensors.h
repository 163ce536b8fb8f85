// Reader for the safetensors format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON describing every tensor, then the raw
// little-endian data. Files are memory-mapped; nothing is read from the data region before the
// header has been validated against the file size, so a truncated or corrupt checkpoint is a
// Status naming the tensor, never an out-of-bounds read.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"

namespace qimg::nn {

enum class DType { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool };

// "F32", "BF16", ... as spelled in safetensors headers.
const char* DTypeName(DType dtype);
int DTypeSize(DType dtype);

struct TensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;  // empty for a 0-d scalar
  uint64_t begin = 0;          // byte offsets relative to the start of the data region
  uint64_t end = 0;
  int64_t NumElements() const;
};

struct SafetensorsHeader {
  std::vector<TensorInfo> tensors;                        // sorted by begin offset
  std::unordered_map<std::string, std::string> metadata;  // "__metadata__" (string values only)
  uint64_t data_offset = 0;  // 8 + header length: where the data region starts in the file
};

// Parses and validates the first bytes of a safetensors file. `file` must hold the whole file (or
// at least everything the caller intends to read; `file_size` is the real size). Checks: header
// length within the file and below 100 MB, JSON object, known dtypes, non-negative shapes whose
// element count times dtype size equals end - begin without overflow, offsets within the data
// region, tensors contiguous and non-overlapping and covering the data region exactly (as the
// reference implementation requires). Corrupt on any violation, naming the tensor.
Result<SafetensorsHeader> ParseSafetensorsHeader(std::string_view file, uint64_t file_size);

// A memory-mapped, validated safetensors file.
class SafetensorsFile {
 public:
  static Result<std::unique_ptr<SafetensorsFile>> Open(const std::string& path);
  // Validates an in-memory image of a file (tests, fuzzing). The bytes are copied.
  static Result<std::unique_ptr<SafetensorsFile>> FromBytes(std::string bytes);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  const std::vector<TensorInfo>& tensors() const { return header_.tensors; }
  const std::unordered_map<std::string, std::string>& metadata() const { return header_.metadata; }
  // nullptr when there is no such tensor.
  const TensorInfo* Find(const std::string& name) const;
  // The tensor's raw bytes (end - begin of them); valid while this object lives.
  const uint8_t* Data(const TensorInfo& info) const {
    return base_ + header_.data_offset + info.begin;
  }

  // The tensor converted to float32 (from F32, F16 or BF16). NotFound when absent, Corrupt when
  // the dtype is not a float type or the shape differs from `expected_shape`.
  Result<std::vector<float>> ReadFloat(const std::string& name,
                                       const std::vector<int64_t>& expected_shape) const;
  // Zero-copy view when the tensor is F32 and 4-byte aligned in the mapping, else nullptr.
  const float* F32View(const TensorInfo& info) const;

 private:
  SafetensorsFile() = default;
  std::string path_;
  SafetensorsHeader header_;
  std::unordered_map<std::string, size_t> by_name_;
  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  void* mapping_ = nullptr;  // mmap'ed region, or nullptr when owned_ holds the bytes
  std::string owned_;
};

// Shape as "[a, b, c]" for messages.
std::string ShapeString(const std::vector<int64_t>& shape);
// IEEE half / bfloat16 to float.
float HalfToFloat(uint16_t h);
float Bf16ToFloat(uint16_t h);

// Opens "<dir>/model.safetensors", the weights file of a Hugging Face model folder. NotFound
// naming the folder when it is missing (pickled pytorch_model.bin is never read).
Result<std::unique_ptr<SafetensorsFile>> OpenModelWeights(const std::string& dir);

}  // namespace qimg::nn
