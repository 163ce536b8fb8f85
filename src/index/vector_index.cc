#include "index/vector_index.h"

#include <unistd.h>

#include <algorithm>

namespace qimg {

std::string HnswPathFor(const std::string& vector_file_path) { return vector_file_path + ".hnsw"; }

Result<std::unique_ptr<VectorIndex>> VectorIndex::Open(const std::string& path,
                                                       const VectorIndexOptions& options) {
  std::unique_ptr<VectorIndex> ix(new VectorIndex());
  QIMG_ASSIGN_OR_RETURN(ix->file_, VectorFile::Open(path));
  ix->path_ = path;
  ix->options_ = options;
  ix->generation_ = ix->file_->meta().generation;
  return ix;
}

Result<std::unique_ptr<VectorIndex>> VectorIndex::Create(const std::string& path,
                                                         const VectorFileMeta& meta,
                                                         const uint64_t* labels, const float* rows,
                                                         size_t count,
                                                         const VectorIndexOptions& options) {
  VectorFileMeta m = meta;
  m.hnsw_size = m.hnsw_checksum = 0;
  std::unique_ptr<HnswGraph> graph;
  std::string gpath = HnswPathFor(path);
  if (count >= options.hnsw_threshold && count > 0) {
    QIMG_ASSIGN_OR_RETURN(graph, HnswGraph::Build(rows, labels, count, meta.dim, options.hnsw));
    QIMG_RETURN_IF_ERROR(graph->Save(gpath, &m.hnsw_size, &m.hnsw_checksum));
  } else {
    ::unlink(gpath.c_str());
  }
  QIMG_RETURN_IF_ERROR(WriteVectorFile(path, m, labels, rows, count));
  QIMG_ASSIGN_OR_RETURN(auto ix, Open(path, options));
  if (graph) {
    std::call_once(ix->graph_once_, [&] { ix->graph_ = std::move(graph); });
  }
  return ix;
}

size_t VectorIndex::size() const {
  size_t shadowed_file_rows = 0;
  if (!upserts_.empty() || !removed_.empty()) {
    const auto& rows = RowOf();
    for (const auto& [label, v] : upserts_) shadowed_file_rows += rows.count(label);
    shadowed_file_rows += removed_.size();
  }
  return file_->count() - shadowed_file_rows + upserts_.size();
}

bool VectorIndex::has_graph() const { return Graph() != nullptr; }

const HnswGraph* VectorIndex::Graph() const {
  std::call_once(graph_once_, [this] {
    const VectorFileMeta& m = file_->meta();
    if (file_->count() < options_.hnsw_threshold) return;
    if (m.hnsw_size == 0) {
      graph_note_ = "no HNSW graph recorded (exact scan)";
      return;
    }
    auto g = HnswGraph::Load(HnswPathFor(path_), m.dim, m.hnsw_size, m.hnsw_checksum, options_.hnsw);
    if (!g.ok()) {
      graph_note_ = g.status().message() + " (exact scan until `qimg repair`)";
      return;
    }
    graph_ = std::move(g).value();
  });
  return graph_.get();
}

const std::unordered_map<uint64_t, size_t>& VectorIndex::RowOf() const {
  std::call_once(row_once_, [this] {
    row_of_.reserve(file_->count());
    for (size_t i = 0; i < file_->count(); ++i) row_of_.emplace(file_->labels()[i], i);
  });
  return row_of_;
}

Status VectorIndex::Apply(const std::vector<VectorChange>& changes, int64_t generation) {
  for (const auto& c : changes) {
    if (!c.vector.empty() && static_cast<int>(c.vector.size()) != dim())
      return Status::InvalidArgument("vector of dimension " + std::to_string(c.vector.size()) +
                                     " for an index of dimension " + std::to_string(dim()));
  }
  const auto& rows = RowOf();
  for (const auto& c : changes) {
    if (c.vector.empty()) {
      upserts_.erase(c.label);
      if (rows.count(c.label)) removed_.insert(c.label);
    } else {
      removed_.erase(c.label);
      upserts_[c.label] = c.vector;
    }
  }
  generation_ = generation;
  return Status::Ok();
}

std::optional<std::vector<float>> VectorIndex::Get(uint64_t label) const {
  if (auto it = upserts_.find(label); it != upserts_.end()) return it->second;
  if (removed_.count(label)) return std::nullopt;
  const auto& rows = RowOf();
  auto it = rows.find(label);
  if (it == rows.end()) return std::nullopt;
  const float* r = file_->rows() + it->second * static_cast<size_t>(dim());
  return std::vector<float>(r, r + dim());
}

Result<std::unique_ptr<VectorIndex>> VectorIndex::Persist() {
  const size_t d = static_cast<size_t>(dim());
  std::vector<uint64_t> labels;
  std::vector<float> rows;
  labels.reserve(size());
  rows.reserve(size() * d);
  for (size_t i = 0; i < file_->count(); ++i) {
    uint64_t l = file_->labels()[i];
    if (Shadowed(l)) continue;
    labels.push_back(l);
    rows.insert(rows.end(), file_->rows() + i * d, file_->rows() + (i + 1) * d);
  }
  // In-memory additions in label order, so the file does not depend on hash-map order.
  std::vector<uint64_t> added;
  added.reserve(upserts_.size());
  for (const auto& [l, v] : upserts_) added.push_back(l);
  std::sort(added.begin(), added.end());
  std::vector<float> added_rows;
  added_rows.reserve(added.size() * d);
  for (uint64_t l : added) {
    const auto& v = upserts_.at(l);
    labels.push_back(l);
    rows.insert(rows.end(), v.begin(), v.end());
    added_rows.insert(added_rows.end(), v.begin(), v.end());
  }
  VectorFileMeta m = file_->meta();
  m.generation = generation_;
  const size_t count = labels.size();
  // Update a loaded graph in place (much cheaper than a rebuild); build one otherwise.
  HnswGraph* graph = count >= options_.hnsw_threshold ? const_cast<HnswGraph*>(Graph()) : nullptr;
  if (!graph) return Create(path_, m, labels.data(), rows.data(), count, options_);
  std::vector<uint64_t> gone(removed_.begin(), removed_.end());
  QIMG_RETURN_IF_ERROR(graph->Remove(gone));
  QIMG_RETURN_IF_ERROR(graph->Upsert(added_rows.data(), added.data(), added.size()));
  QIMG_RETURN_IF_ERROR(graph->Save(HnswPathFor(path_), &m.hnsw_size, &m.hnsw_checksum));
  QIMG_RETURN_IF_ERROR(WriteVectorFile(path_, m, labels.data(), rows.data(), count));
  QIMG_ASSIGN_OR_RETURN(auto ix, Open(path_, options_));
  std::call_once(ix->graph_once_, [&] { ix->graph_ = std::move(graph_); });
  return ix;
}

Result<std::vector<Neighbor>> VectorIndex::Search(const float* query, int qdim, size_t k,
                                                  const std::unordered_set<uint64_t>* allowed) const {
  if (qdim != dim())
    return Status::InvalidArgument("query vector has dimension " + std::to_string(qdim) +
                                   ", the index " + std::to_string(dim()));
  std::vector<Neighbor> base;
  if (k == 0 || (allowed && allowed->empty())) return base;
  const size_t n = file_->count();
  const size_t d = static_cast<size_t>(dim());
  const bool shadowing = !upserts_.empty() || !removed_.empty();
  auto keep_label = [&](uint64_t l) {
    return !(shadowing && Shadowed(l)) && (!allowed || allowed->count(l));
  };
  auto full_scan = [&] {
    std::function<bool(size_t)> keep;
    if (allowed || shadowing) keep = [&](size_t i) { return keep_label(file_->labels()[i]); };
    return ExactSearch(file_->rows(), file_->labels(), n, dim(), query, k, keep);
  };
  if (allowed && allowed->size() <= options_.exact_allowed_max) {
    // Scan only the allowed rows, in file order (deterministic ties).
    const auto& row_of = RowOf();
    std::vector<size_t> idx;
    idx.reserve(allowed->size());
    for (uint64_t l : *allowed) {
      auto it = row_of.find(l);
      if (it != row_of.end() && !(shadowing && Shadowed(l))) idx.push_back(it->second);
    }
    std::sort(idx.begin(), idx.end());
    TopK top(k);
    for (size_t i : idx) top.Offer(file_->labels()[i], Dot(file_->rows() + i * d, query, dim()));
    base = top.Take();
  } else if (const HnswGraph* g = n >= options_.hnsw_threshold ? Graph() : nullptr) {
    // Over-fetch in proportion to how much of the index the restriction hides.
    size_t hidden = shadowing ? upserts_.size() + removed_.size() : 0;
    double frac = allowed ? std::max(1e-6, static_cast<double>(allowed->size()) / n) : 1.0;
    size_t fetch = std::min(n, static_cast<size_t>(k / frac * (allowed ? 2 : 1)) + hidden);
    for (;;) {
      QIMG_ASSIGN_OR_RETURN(auto hits, g->Search(query, fetch));
      base.clear();
      for (const auto& h : hits) {
        if (keep_label(h.label)) base.push_back(h);
        if (base.size() == k) break;
      }
      if (base.size() >= k || fetch >= n) break;
      if (fetch * 4 > std::max<size_t>(4096, n / 8)) {
        base = full_scan();  // the restriction is too selective for the graph
        break;
      }
      fetch = std::min(n, fetch * 4);
    }
  } else {
    base = full_scan();
  }
  if (upserts_.empty()) return base;
  TopK top(k);
  for (const auto& h : base) top.Offer(h.label, h.similarity);
  std::vector<uint64_t> added;
  for (const auto& [l, v] : upserts_) {
    if (!allowed || allowed->count(l)) added.push_back(l);
  }
  std::sort(added.begin(), added.end());
  for (uint64_t l : added) top.Offer(l, Dot(upserts_.at(l).data(), query, dim()));
  return top.Take();
}

}  // namespace qimg
