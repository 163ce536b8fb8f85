// Threads for the engine. oneDNN as packaged by Debian runs its GEMMs on OpenMP (libgomp), so
// the engine's own loops (norms, attention, epilogues) use the same OpenMP runtime: two thread
// pools on two cores would spin against each other.
#pragma once

#include <cstdint>

namespace qimg::nn {

// Below this many elements an elementwise pass runs on the calling thread: a fork/join costs
// microseconds on an idle machine and a whole scheduler time slice when another process has
// preempted one of the workers, which turned 8-token texts into 1-second encodes on a busy box.
constexpr int64_t kMinParallelElements = int64_t{1} << 16;
inline bool WorthParallel(int64_t elements) { return elements >= kMinParallelElements; }

// Sets this thread's OpenMP thread count (and so oneDNN's) for a scope, then restores it.
class ScopedThreads {
 public:
  explicit ScopedThreads(int threads);
  ~ScopedThreads();
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;

 private:
  int saved_;
};

// Sets the number of threads for GEMMs and engine loops (<= 0: all cores). Process-wide.
void SetNumThreads(int threads);
int NumThreads();

}  // namespace qimg::nn
