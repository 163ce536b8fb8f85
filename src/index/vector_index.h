// A searchable vector index for one model: the memory-mapped vector file (vector_file.h), an
// HNSW graph beside it once the index is large, and in-memory changes not yet written (vectors
// another process embedded since the file was written). The `vectors` table stays the source
// of truth; the app layer (app/vector_ops.cc) decides when to apply changes or rebuild.
//
// Search strategy (docs/vector-index.md):
//  - fewer than options.hnsw_threshold vectors, or no valid graph: exact scan;
//  - an allowed set (filters) of at most exact_allowed_max labels: exact scan of those rows;
//  - otherwise HNSW, over-fetching when filtered (or when in-memory changes shadow graph
//    points) and falling back to an exact scan when over-fetching does not find k;
//  - an EMPTY allowed set returns nothing (the original returned the whole index, SPEC §15.12).
// Thread-safety: Search may run concurrently with other Searches; Apply/Persist need exclusive
// access.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/status.h"
#include "index/exact_scan.h"
#include "index/hnsw_graph.h"
#include "index/vector_file.h"

namespace qimg {

struct VectorIndexOptions {
  size_t hnsw_threshold = 20000;     // vectors at which a graph is built and used
  size_t exact_allowed_max = 20000;  // filtered searches scan allowed sets this small exactly
  HnswParams hnsw;
};

// One vector added/replaced (vector non-empty, dim floats) or removed (vector empty).
struct VectorChange {
  uint64_t label = 0;
  std::vector<float> vector;
};

// The graph file beside a vector file.
std::string HnswPathFor(const std::string& vector_file_path);

class VectorIndex {
 public:
  // Opens an existing index. Errors of VectorFile::Open (NotFound, Corrupt, IoError). A graph
  // file that fails its checks is not an error: searches scan exactly and graph_note() says why.
  static Result<std::unique_ptr<VectorIndex>> Open(const std::string& path,
                                                   const VectorIndexOptions& options = {});
  // Writes a complete index for count rows (and a graph when count >= hnsw_threshold), then
  // opens it. rows holds count x meta.dim floats, unit length.
  static Result<std::unique_ptr<VectorIndex>> Create(const std::string& path,
                                                     const VectorFileMeta& meta,
                                                     const uint64_t* labels, const float* rows,
                                                     size_t count,
                                                     const VectorIndexOptions& options = {});

  const std::string& path() const { return path_; }
  const VectorFileMeta& meta() const { return file_->meta(); }
  int dim() const { return file_->meta().dim; }
  // The change sequence the index reflects (file generation, or the last Apply).
  int64_t generation() const { return generation_; }
  // Live vectors (file rows not removed + in-memory additions).
  size_t size() const;
  // Changes held in memory on top of the file.
  size_t pending() const { return upserts_.size() + removed_.size(); }
  bool has_graph() const;
  const std::string& graph_note() const { return graph_note_; }

  // Applies changes in memory and advances the generation. InvalidArgument for a vector of
  // the wrong dimension (nothing applied).
  Status Apply(const std::vector<VectorChange>& changes, int64_t generation);
  // Writes file + in-memory changes as a new file at path() (updating the loaded graph in place
  // when there is one, building it otherwise) and returns the reopened index.
  Result<std::unique_ptr<VectorIndex>> Persist();

  // The k most similar live vectors, best first. allowed == nullptr: no restriction; an empty
  // allowed set: no results. InvalidArgument when dim differs from the index's.
  Result<std::vector<Neighbor>> Search(const float* query, int dim, size_t k,
                                       const std::unordered_set<uint64_t>* allowed) const;
  // The stored vector of a label (nullopt when absent).
  std::optional<std::vector<float>> Get(uint64_t label) const;

 private:
  VectorIndex() = default;
  const HnswGraph* Graph() const;  // loads lazily; null when unusable
  const std::unordered_map<uint64_t, size_t>& RowOf() const;
  bool Shadowed(uint64_t label) const { return upserts_.count(label) || removed_.count(label); }

  std::string path_;
  VectorIndexOptions options_;
  std::unique_ptr<VectorFile> file_;
  int64_t generation_ = 0;
  std::unordered_map<uint64_t, std::vector<float>> upserts_;
  std::unordered_set<uint64_t> removed_;  // file labels removed (not re-added)

  mutable std::once_flag graph_once_;
  mutable std::unique_ptr<HnswGraph> graph_;
  mutable std::string graph_note_;
  mutable std::once_flag row_once_;
  mutable std::unordered_map<uint64_t, size_t> row_of_;
};

}  // namespace qimg
