// Exact nearest neighbours by inner product over float32 rows (unit vectors, so inner product =
// cosine). The dot product is written so GCC vectorises it (-O3 -march=native: AVX-512/AVX2
// FMA with several accumulators); a scan is memory-bound at a few GB/s per core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace qimg {

struct Neighbor {
  uint64_t label = 0;
  float similarity = 0;  // inner product, in [-1, 1] for unit vectors
};

float Dot(const float* a, const float* b, int dim);

// Keeps the k best (highest similarity) of the offered candidates. Ties: the earlier offer
// wins, so scans are deterministic. NaN similarities are never kept.
class TopK {
 public:
  explicit TopK(size_t k) : k_(k) {}
  void Offer(uint64_t label, float similarity);
  // Best first.
  std::vector<Neighbor> Take();
  size_t size() const { return heap_.size(); }

 private:
  struct Entry {
    float sim;
    uint64_t order;
    uint64_t label;
  };
  size_t k_;
  uint64_t next_ = 0;
  std::vector<Entry> heap_;  // min-heap on (sim, -order): the worst kept entry on top
};

// Scans rows [0, n) of a row-major [n, dim] matrix; keep(i) decides whether row i may be
// returned (null = every row). Labels come from labels[i].
std::vector<Neighbor> ExactSearch(const float* rows, const uint64_t* labels, size_t n, int dim,
                                  const float* query, size_t k,
                                  const std::function<bool(size_t)>& keep = nullptr);

}  // namespace qimg
