// Per-thread scratch memory for activations. A forward pass needs a few large buffers
// (ViT-B/32 at batch 32: ~30 MB); allocating them per call costs a page fault per 4 KB touched
// and a memset, several percent of an encode. Buffers grow and are kept for the thread's
// lifetime; contents are unspecified on entry.
#pragma once

#include <cstddef>
#include <memory>

namespace qimg::nn {

enum class ScratchSlot { kHidden, kQkv, kMlp, kTokens, kPatches, kPatchEmbeddings, kCount };

// A buffer of at least n floats, private to the calling thread, valid until the next call for the
// same slot on this thread.
float* Scratch(ScratchSlot slot, size_t n);
// Frees this thread's buffers (e.g. after a one-off large batch).
void ReleaseScratch();

}  // namespace qimg::nn
