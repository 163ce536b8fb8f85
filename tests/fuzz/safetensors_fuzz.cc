// libFuzzer entry point for the safetensors header parser: any byte string must yield a header or
// a Status, never a crash, and every accepted tensor must lie inside the buffer. The same
// function is driven deterministically by src/nn/safetensors_fuzz_test.cc in ordinary CI.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "nn/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  auto file = qimg::nn::SafetensorsFile::FromBytes(bytes);
  if (!file.ok()) return 0;
  for (const auto& t : (*file)->tensors()) {
    // Accepted offsets must be inside the data region; touch the first and last byte.
    if (t.end > t.begin) {
      volatile uint8_t first = (*file)->Data(t)[0];
      volatile uint8_t last = (*file)->Data(t)[t.end - t.begin - 1];
      (void)first;
      (void)last;
    }
    auto values = (*file)->ReadFloat(t.name, t.shape);
    if (values.ok() && static_cast<int64_t>(values->size()) != t.NumElements()) std::abort();
  }
  return 0;
}
