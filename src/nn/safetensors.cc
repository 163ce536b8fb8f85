#include "nn/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "base/fs.h"

namespace qimg::nn {
namespace {

// The reference implementation refuses headers above 100 MB; a real one is a few hundred KB.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr int kMaxRank = 16;

bool ParseDType(const std::string& s, DType* out) {
  static const std::pair<const char*, DType> kNames[] = {
      {"F64", DType::kF64}, {"F32", DType::kF32},  {"F16", DType::kF16}, {"BF16", DType::kBF16},
      {"I64", DType::kI64}, {"I32", DType::kI32},  {"I16", DType::kI16}, {"I8", DType::kI8},
      {"U8", DType::kU8},   {"BOOL", DType::kBool}};
  for (const auto& [name, dtype] : kNames) {
    if (s == name) {
      *out = dtype;
      return true;
    }
  }
  return false;
}

uint64_t ReadLe64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

Status ParseTensorEntry(const std::string& name, const nlohmann::json& entry, uint64_t data_size,
                        TensorInfo* info) {
  auto bad = [&](const std::string& why) {
    return Status::Corrupt("tensor '" + name + "': " + why);
  };
  if (!entry.is_object()) return bad("header entry is not an object");
  auto dtype_it = entry.find("dtype");
  auto shape_it = entry.find("shape");
  auto offsets_it = entry.find("data_offsets");
  if (dtype_it == entry.end() || !dtype_it->is_string()) return bad("missing or non-string dtype");
  if (shape_it == entry.end() || !shape_it->is_array()) return bad("missing or non-array shape");
  if (offsets_it == entry.end() || !offsets_it->is_array() || offsets_it->size() != 2) {
    return bad("data_offsets must be [begin, end]");
  }
  info->name = name;
  if (!ParseDType(dtype_it->get<std::string>(), &info->dtype)) {
    return bad("unknown dtype '" + dtype_it->get<std::string>() + "'");
  }
  if (shape_it->size() > kMaxRank) return bad("rank above 16");
  // Element count with overflow checks: every dimension and the running product stay below 2^62.
  uint64_t elements = 1;
  for (const auto& d : *shape_it) {
    if (!d.is_number_unsigned()) return bad("shape entries must be non-negative integers");
    uint64_t dim = d.get<uint64_t>();
    if (dim > (uint64_t{1} << 62)) return bad("dimension too large");
    if (dim != 0 && elements > (uint64_t{1} << 62) / dim) return bad("element count overflows");
    elements *= dim;
    info->shape.push_back(static_cast<int64_t>(dim));
  }
  const auto& b = (*offsets_it)[0];
  const auto& e = (*offsets_it)[1];
  if (!b.is_number_unsigned() || !e.is_number_unsigned()) {
    return bad("data_offsets must be non-negative integers");
  }
  info->begin = b.get<uint64_t>();
  info->end = e.get<uint64_t>();
  if (info->end < info->begin) return bad("data_offsets end before begin");
  if (info->end > data_size) {
    return bad("data_offsets [" + std::to_string(info->begin) + ", " + std::to_string(info->end) +
               "] run past the end of the file (data region is " + std::to_string(data_size) +
               " bytes; truncated file?)");
  }
  uint64_t size = static_cast<uint64_t>(DTypeSize(info->dtype));
  if (elements > std::numeric_limits<uint64_t>::max() / size ||
      elements * size != info->end - info->begin) {
    return bad("shape " + ShapeString(info->shape) + " of " + DTypeName(info->dtype) + " needs " +
               std::to_string(elements) + " x " + std::to_string(size) +
               " bytes but data_offsets span " + std::to_string(info->end - info->begin));
  }
  return Status::Ok();
}

}  // namespace

const char* DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kF64:
      return "F64";
    case DType::kF32:
      return "F32";
    case DType::kF16:
      return "F16";
    case DType::kBF16:
      return "BF16";
    case DType::kI64:
      return "I64";
    case DType::kI32:
      return "I32";
    case DType::kI16:
      return "I16";
    case DType::kI8:
      return "I8";
    case DType::kU8:
      return "U8";
    case DType::kBool:
      return "BOOL";
  }
  return "?";
}

int DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::kF64:
    case DType::kI64:
      return 8;
    case DType::kF32:
    case DType::kI32:
      return 4;
    case DType::kF16:
    case DType::kBF16:
    case DType::kI16:
      return 2;
    case DType::kI8:
    case DType::kU8:
    case DType::kBool:
      return 1;
  }
  return 1;
}

int64_t TensorInfo::NumElements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

float HalfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400) == 0);
      bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000u | mant << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float Bf16ToFloat(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

Result<SafetensorsHeader> ParseSafetensorsHeader(std::string_view file, uint64_t file_size) {
  if (file_size < 8 || file.size() < 8) {
    return Status::Corrupt("file too short for a safetensors header (" + std::to_string(file_size) +
                           " bytes)");
  }
  uint64_t n = ReadLe64(file.data());
  if (n > kMaxHeaderBytes) {
    return Status::Corrupt("header length " + std::to_string(n) + " is implausibly large");
  }
  if (n > file_size - 8 || n > file.size() - 8) {
    return Status::Corrupt("header length " + std::to_string(n) + " runs past the end of the " +
                           std::to_string(file_size) + "-byte file (truncated?)");
  }
  std::string_view text = file.substr(8, n);
  if (text.empty() || text[0] != '{') return Status::Corrupt("header is not a JSON object");
  nlohmann::json header = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) {
    return Status::Corrupt("header is not valid JSON");
  }
  SafetensorsHeader out;
  out.data_offset = 8 + n;
  uint64_t data_size = file_size - out.data_offset;
  try {
    for (const auto& [key, value] : header.items()) {
      if (key == "__metadata__") {
        if (!value.is_object()) return Status::Corrupt("__metadata__ is not an object");
        for (const auto& [mk, mv] : value.items()) {
          if (!mv.is_string())
            return Status::Corrupt("__metadata__ value '" + mk + "' is not a string");
          out.metadata[mk] = mv.get<std::string>();
        }
        continue;
      }
      TensorInfo info;
      QIMG_RETURN_IF_ERROR(ParseTensorEntry(key, value, data_size, &info));
      out.tensors.push_back(std::move(info));
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Corrupt(std::string("header: ") + e.what());
  }
  std::sort(out.tensors.begin(), out.tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  for (const TensorInfo& t : out.tensors) {
    if (t.begin != expected) {
      return Status::Corrupt("tensor '" + t.name + "': data_offsets begin at " +
                             std::to_string(t.begin) + ", expected " + std::to_string(expected) +
                             " (tensors overlap or leave a gap)");
    }
    expected = t.end;
  }
  if (expected != data_size) {
    return Status::Corrupt("tensor data covers " + std::to_string(expected) +
                           " bytes but the file's data region has " + std::to_string(data_size) +
                           (expected > data_size ? " (truncated file?)" : " (trailing bytes)"));
  }
  return out;
}

Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError("cannot open " + path + ": " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::IoError(path + ": not a regular file");
  }
  std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
  f->path_ = path;
  f->size_ = static_cast<size_t>(st.st_size);
  if (f->size_ > 0) {
    void* m = ::mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      ::close(fd);
      return Status::IoError("cannot map " + path + ": " + std::strerror(errno));
    }
    f->mapping_ = m;
    f->base_ = static_cast<const uint8_t*>(m);
  }
  ::close(fd);
  std::string_view view(reinterpret_cast<const char*>(f->base_), f->size_);
  auto header = ParseSafetensorsHeader(view, f->size_);
  if (!header.ok()) return header.status().WithContext(path);
  f->header_ = std::move(header).value();
  for (size_t i = 0; i < f->header_.tensors.size(); ++i)
    f->by_name_[f->header_.tensors[i].name] = i;
  return f;
}

Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::FromBytes(std::string bytes) {
  std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
  f->path_ = "<memory>";
  f->owned_ = std::move(bytes);
  f->base_ = reinterpret_cast<const uint8_t*>(f->owned_.data());
  f->size_ = f->owned_.size();
  QIMG_ASSIGN_OR_RETURN(f->header_, ParseSafetensorsHeader(f->owned_, f->size_));
  for (size_t i = 0; i < f->header_.tensors.size(); ++i)
    f->by_name_[f->header_.tensors[i].name] = i;
  return f;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_) ::munmap(mapping_, size_);
}

const TensorInfo* SafetensorsFile::Find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &header_.tensors[it->second];
}

const float* SafetensorsFile::F32View(const TensorInfo& info) const {
  const uint8_t* p = Data(info);
  if (info.dtype != DType::kF32 || reinterpret_cast<uintptr_t>(p) % alignof(float) != 0) {
    return nullptr;
  }
  return reinterpret_cast<const float*>(p);
}

Result<std::vector<float>> SafetensorsFile::ReadFloat(
    const std::string& name, const std::vector<int64_t>& expected_shape) const {
  const TensorInfo* info = Find(name);
  if (!info) return Status::NotFound(path_ + ": tensor '" + name + "' is missing");
  if (info->shape != expected_shape) {
    return Status::Corrupt(path_ + ": tensor '" + name + "' has shape " + ShapeString(info->shape) +
                           ", expected " + ShapeString(expected_shape));
  }
  size_t n = static_cast<size_t>(info->NumElements());
  std::vector<float> out(n);
  const uint8_t* p = Data(*info);
  switch (info->dtype) {
    case DType::kF32:
      std::memcpy(out.data(), p, n * 4);
      break;
    case DType::kF16:
    case DType::kBF16: {
      bool half = info->dtype == DType::kF16;
      for (size_t i = 0; i < n; ++i) {
        uint16_t h = static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8));
        out[i] = half ? HalfToFloat(h) : Bf16ToFloat(h);
      }
      break;
    }
    default:
      return Status::Corrupt(path_ + ": tensor '" + name + "' has dtype " + DTypeName(info->dtype) +
                             ", expected F32, F16 or BF16");
  }
  return out;
}

Result<std::unique_ptr<SafetensorsFile>> OpenModelWeights(const std::string& dir) {
  std::string weights = JoinPath(dir, "model.safetensors");
  if (!StatPath(weights).exists) {
    return Status::NotFound(dir +
                            ": no model.safetensors (pytorch_model.bin is not supported; "
                            "convert it to safetensors)");
  }
  return SafetensorsFile::Open(weights);
}

}  // namespace qimg::nn
