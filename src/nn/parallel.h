// Threads for the engine. oneDNN as packaged by Debian runs its GEMMs on OpenMP (libgomp), so
// the engine's own loops (norms, attention, epilogues) use the same OpenMP runtime: two thread
// pools on two cores would spin against each other.
#pragma once

namespace qimg::nn {

// Sets the number of threads for GEMMs and engine loops (<= 0: all cores). Process-wide.
void SetNumThreads(int threads);
int NumThreads();

}  // namespace qimg::nn
