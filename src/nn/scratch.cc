#include "nn/scratch.h"

namespace qimg::nn {
namespace {

struct Buffer {
  std::unique_ptr<float[]> data;  // uninitialised: no memset of memory about to be overwritten
  size_t size = 0;
};

thread_local Buffer g_buffers[static_cast<int>(ScratchSlot::kCount)];

}  // namespace

float* Scratch(ScratchSlot slot, size_t n) {
  Buffer& b = g_buffers[static_cast<int>(slot)];
  if (b.size < n) {
    b.data.reset();
    b.data.reset(new float[n]);
    b.size = n;
  }
  return b.data.get();
}

void ReleaseScratch() {
  for (Buffer& b : g_buffers) {
    b.data.reset();
    b.size = 0;
  }
}

}  // namespace qimg::nn
