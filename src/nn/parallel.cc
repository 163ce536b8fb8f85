#include "nn/parallel.h"

#include <omp.h>

#include <thread>

namespace qimg::nn {

void SetNumThreads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  omp_set_num_threads(threads > 0 ? threads : 1);
}

int NumThreads() { return omp_get_max_threads(); }

ScopedThreads::ScopedThreads(int threads) : saved_(omp_get_max_threads()) {
  omp_set_num_threads(threads);
}

ScopedThreads::~ScopedThreads() { omp_set_num_threads(saved_); }

}  // namespace qimg::nn
