#include "index/hnsw_graph.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <hnswlib/hnswlib.h>
#include <mutex>
#include <thread>

#include "index/vector_file.h"

namespace qimg {

struct HnswGraph::Impl {
  explicit Impl(int dim) : space(static_cast<size_t>(dim)) {}
  hnswlib::InnerProductSpace space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> alg;
};

HnswGraph::HnswGraph(int dim, HnswParams params)
    : dim_(dim), params_(params), impl_(std::make_unique<Impl>(dim)) {}
HnswGraph::~HnswGraph() = default;

namespace {

Status FromException(const char* what, const std::exception& e) {
  return Status::Internal(std::string("hnsw ") + what + ": " + e.what());
}

// Adds rows [0, count) with `threads` workers (hnswlib's addPoint is thread-safe).
void ParallelAdd(hnswlib::HierarchicalNSW<float>* alg, const float* rows, const uint64_t* labels,
                 size_t count, int dim, int threads, std::atomic<size_t>* progress,
                 std::string* error) {
  std::atomic<size_t> next{0};
  std::mutex err_mu;
  auto work = [&] {
    for (;;) {
      size_t i = next.fetch_add(1);
      if (i >= count) return;
      try {
        alg->addPoint(rows + i * static_cast<size_t>(dim), labels[i]);
        if (progress) progress->fetch_add(1, std::memory_order_relaxed);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(err_mu);
        *error = e.what();
        next = count;
        return;
      }
    }
  };
  int n = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  n = static_cast<int>(std::min<size_t>(static_cast<size_t>(n), std::max<size_t>(1, count / 64)));
  std::vector<std::thread> pool;
  if (n <= 1) {
    work();
    return;
  }
  for (int t = 0; t < n; ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
}

}  // namespace

int EffectiveEfSearch(const HnswParams& params, size_t points) {
  if (params.ef_search > 0) return params.ef_search;
  return points >= 200000 ? 256 : 128;
}

Result<std::unique_ptr<HnswGraph>> HnswGraph::Build(const float* rows, const uint64_t* labels,
                                                    size_t count, int dim,
                                                    const HnswParams& params) {
  std::unique_ptr<HnswGraph> g(new HnswGraph(dim, params));
  try {
    g->impl_->alg = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        &g->impl_->space, std::max<size_t>(count, 1), static_cast<size_t>(params.m),
        static_cast<size_t>(params.ef_construction));
    g->impl_->alg->setEf(static_cast<size_t>(EffectiveEfSearch(params, count)));
  } catch (const std::exception& e) {
    return FromException("build", e);
  }
  std::string error;
  ParallelAdd(g->impl_->alg.get(), rows, labels, count, dim, params.threads, params.progress, &error);
  if (!error.empty()) return Status::Internal("hnsw build: " + error);
  return g;
}

Result<std::unique_ptr<HnswGraph>> HnswGraph::Load(const std::string& path, int dim,
                                                   uint64_t expected_size,
                                                   uint64_t expected_checksum,
                                                   const HnswParams& params) {
  uint64_t size = 0;
  QIMG_ASSIGN_OR_RETURN(uint64_t sum, ChecksumFile(path, &size));
  if (size != expected_size || sum != expected_checksum)
    return Status::Corrupt("HNSW graph " + path + " does not match its vector index file");
  std::unique_ptr<HnswGraph> g(new HnswGraph(dim, params));
  try {
    g->impl_->alg = std::make_unique<hnswlib::HierarchicalNSW<float>>(&g->impl_->space, path);
    g->impl_->alg->setEf(static_cast<size_t>(EffectiveEfSearch(params, g->impl_->alg->cur_element_count)));
  } catch (const std::exception& e) {
    return Status::Corrupt(std::string("HNSW graph ") + path + ": " + e.what());
  }
  return g;
}

Status HnswGraph::Save(const std::string& path, uint64_t* size, uint64_t* checksum) const {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  try {
    impl_->alg->saveIndex(tmp);
  } catch (const std::exception& e) {
    ::unlink(tmp.c_str());
    return FromException("save", e);
  }
  auto sum = ChecksumFile(tmp, size);
  if (!sum.ok() || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return sum.ok() ? Status::IoError("cannot write HNSW graph " + path) : sum.status();
  }
  *checksum = *sum;
  return Status::Ok();
}

Status HnswGraph::Upsert(const float* rows, const uint64_t* labels, size_t count) {
  try {
    size_t need = impl_->alg->cur_element_count + count;
    if (need > impl_->alg->max_elements_)
      impl_->alg->resizeIndex(std::max(need, impl_->alg->max_elements_ + impl_->alg->max_elements_ / 2));
  } catch (const std::exception& e) {
    return FromException("resize", e);
  }
  std::string error;
  ParallelAdd(impl_->alg.get(), rows, labels, count, dim_, params_.threads, params_.progress,
              &error);
  if (!error.empty()) return Status::Internal("hnsw add: " + error);
  return Status::Ok();
}

Status HnswGraph::Remove(const std::vector<uint64_t>& labels) {
  for (uint64_t l : labels) {
    try {
      impl_->alg->markDelete(l);
    } catch (const std::exception&) {
      // Unknown or already deleted: nothing to remove.
    }
  }
  return Status::Ok();
}

Result<std::vector<Neighbor>> HnswGraph::Search(const float* query, size_t k) const {
  std::vector<Neighbor> out;
  if (k == 0) return out;
  try {
    std::priority_queue<std::pair<float, hnswlib::labeltype>> pq;
    // hnswlib searches with max(ef, k); ef is set once (setEf is not thread-safe).
    pq = impl_->alg->searchKnn(query, k);
    out.resize(pq.size());
    // The queue pops the largest distance (worst) first; distance = 1 - inner product.
    for (size_t i = out.size(); i-- > 0; pq.pop()) out[i] = {pq.top().second, 1.0f - pq.top().first};
  } catch (const std::exception& e) {
    return FromException("search", e);
  }
  return out;
}

size_t HnswGraph::size() const { return impl_->alg ? impl_->alg->cur_element_count : 0; }

}  // namespace qimg
