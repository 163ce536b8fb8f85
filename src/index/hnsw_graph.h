// An HNSW graph over unit vectors (inner product), through hnswlib: the only file that includes
// it. hnswlib reports failures with std::runtime_error (and a damaged file can make its loader
// read out of bounds), so: every call is wrapped here and turned into a Status, and a graph file
// is loaded only after its size and checksum match the ones recorded in the vector file.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "index/exact_scan.h"

namespace qimg {

struct HnswParams {
  int m = 16;
  int ef_construction = 200;
  // The floor; hnswlib searches with max(ef_search, k). 0 = by graph size (EffectiveEfSearch):
  // recall@10 at ef 128 was 0.991 / 0.976 / 0.947 on 50k / 100k / 300k embedding-like vectors,
  // ef 256 0.989 at 300k for ~3 ms (docs/benchmarks.md "Vector search").
  int ef_search = 0;
  int threads = 0;     // for Build; 0 = one per core
  // When set, Build/Upsert add each inserted point to it (a long build's progress for a
  // watcher thread, e.g. bench/vector_bench's log); never read by the graph.
  std::atomic<size_t>* progress = nullptr;
};

// The ef a graph of `points` searches with: params.ef_search when set, else 128 below 200,000
// points and 256 from there (recall@10 >= 0.95 at every size measured).
int EffectiveEfSearch(const HnswParams& params, size_t points);

class HnswGraph {
 public:
  ~HnswGraph();
  HnswGraph(const HnswGraph&) = delete;
  HnswGraph& operator=(const HnswGraph&) = delete;

  // Builds a graph of the rows (count x dim); labels[i] names row i.
  static Result<std::unique_ptr<HnswGraph>> Build(const float* rows, const uint64_t* labels,
                                                  size_t count, int dim, const HnswParams& params);
  // Loads a graph saved by Save. Corrupt when the file's size or checksum differ from the
  // expected ones (recorded in the vector file), or hnswlib rejects it.
  static Result<std::unique_ptr<HnswGraph>> Load(const std::string& path, int dim,
                                                 uint64_t expected_size, uint64_t expected_checksum,
                                                 const HnswParams& params);
  // Saves to path (temp file + rename); returns the file's size and checksum through the args.
  Status Save(const std::string& path, uint64_t* size, uint64_t* checksum) const;

  // Adds or replaces labelled vectors; grows capacity as needed.
  Status Upsert(const float* rows, const uint64_t* labels, size_t count);
  // Marks labels deleted (unknown labels are ignored).
  Status Remove(const std::vector<uint64_t>& labels);

  // The k nearest (best first) among live points. Thread-safe against other searches.
  Result<std::vector<Neighbor>> Search(const float* query, size_t k) const;
  size_t size() const;  // live + deleted points
  int dim() const { return dim_; }

 private:
  struct Impl;
  HnswGraph(int dim, HnswParams params);
  int dim_;
  HnswParams params_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qimg
