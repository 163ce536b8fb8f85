#include "index/exact_scan.h"

#include <algorithm>
#include <cmath>

namespace qimg {

float Dot(const float* __restrict a, const float* __restrict b, int dim) {
  // Sixteen independent partial sums: the reduction vectorises without -ffast-math because
  // the association order is fixed by the source, not by the compiler.
  float acc[16] = {};
  int i = 0;
  for (; i + 16 <= dim; i += 16) {
    for (int j = 0; j < 16; ++j) acc[j] += a[i + j] * b[i + j];
  }
  float tail = 0;
  for (; i < dim; ++i) tail += a[i] * b[i];
  float s = 0;
  for (int j = 0; j < 16; ++j) s += acc[j];
  return s + tail;
}

namespace {
// "a is worse than b": lower similarity, or equal similarity offered later.
struct Worse {
  template <typename E>
  bool operator()(const E& a, const E& b) const {
    if (a.sim != b.sim) return a.sim > b.sim;  // min-heap on sim
    return a.order < b.order;                  // later offer = worse = nearer the top
  }
};
}  // namespace

void TopK::Offer(uint64_t label, float similarity) {
  if (k_ == 0 || std::isnan(similarity)) return;
  Entry e{similarity, next_++, label};
  if (heap_.size() < k_) {
    heap_.push_back(e);
    std::push_heap(heap_.begin(), heap_.end(), Worse());
    return;
  }
  const Entry& worst = heap_.front();
  if (similarity <= worst.sim) return;  // equal: the earlier offer stays
  std::pop_heap(heap_.begin(), heap_.end(), Worse());
  heap_.back() = e;
  std::push_heap(heap_.begin(), heap_.end(), Worse());
}

std::vector<Neighbor> TopK::Take() {
  std::sort(heap_.begin(), heap_.end(), [](const Entry& a, const Entry& b) {
    if (a.sim != b.sim) return a.sim > b.sim;
    return a.order < b.order;
  });
  std::vector<Neighbor> out;
  out.reserve(heap_.size());
  for (const Entry& e : heap_) out.push_back({e.label, e.sim});
  heap_.clear();
  return out;
}

std::vector<Neighbor> ExactSearch(const float* rows, const uint64_t* labels, size_t n, int dim,
                                  const float* query, size_t k,
                                  const std::function<bool(size_t)>& keep) {
  TopK top(k);
  for (size_t i = 0; i < n; ++i) {
    if (keep && !keep(i)) continue;
    top.Offer(labels[i], Dot(rows + i * static_cast<size_t>(dim), query, dim));
  }
  return top.Take();
}

}  // namespace qimg
