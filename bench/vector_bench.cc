// Vector index benchmark (issue 5): synthetic unit vectors, exact scan vs HNSW through the
// real VectorIndex (memory-mapped file + hnswlib graph). Reports query latency p50/p95,
// recall@10 of HNSW against exact, build time, file sizes and peak resident memory.
//   vector_bench [--n 1000000] [--hnsw-n 100000] [--dim 768] [--queries 200] [--threads 0]
//                [--dir /tmp] [--ef 64] [--latent 32]
// --latent D: embedding-like data of intrinsic dimension D (0: isotropic Gaussians, the worst
// case). Queries are stored vectors plus noise.
// HNSW is built on the first hnsw-n vectors (the 1M build does not fit a 2-core time budget;
// pass --hnsw-n 1000000 where it does).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "index/vector_index.h"

namespace {

using Clock = std::chrono::steady_clock;
double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

void FillUnit(std::vector<float>* v, size_t n, int dim, uint32_t seed) {
  v->resize(n * dim);
  const int threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::mt19937 rng(seed + t);
      std::normal_distribution<float> g;
      for (size_t i = t; i < n; i += threads) {
        float* r = v->data() + i * dim;
        double s = 0;
        for (int j = 0; j < dim; ++j) {
          r[j] = g(rng);
          s += r[j] * r[j];
        }
        float inv = static_cast<float>(1.0 / std::sqrt(s));
        for (int j = 0; j < dim; ++j) r[j] *= inv;
      }
    });
  }
  for (auto& th : pool) th.join();
}

// Embedding-like data: unit vectors of a random linear map of a low-dimensional latent (plus a
// little isotropic noise). Real CLIP embeddings have low intrinsic dimension; isotropic 768-d
// Gaussians (latent 0) are the worst case for any graph index: their 10 nearest neighbours are
// barely nearer than the rest.
void FillLatent(std::vector<float>* v, size_t n, int dim, int latent, uint32_t seed) {
  std::mt19937 rng(12345);
  std::normal_distribution<float> g;
  std::vector<float> a(static_cast<size_t>(dim) * latent);
  for (float& x : a) x = g(rng);
  v->resize(n * dim);
  const int threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::mt19937 r2(seed + t);
      std::normal_distribution<float> g2;
      std::vector<float> z(latent);
      for (size_t i = t; i < n; i += threads) {
        for (float& x : z) x = g2(r2);
        float* row = v->data() + i * dim;
        double s = 0;
        for (int j = 0; j < dim; ++j) {
          float acc = 0.3f * g2(r2);
          for (int k = 0; k < latent; ++k) acc += a[static_cast<size_t>(j) * latent + k] * z[k];
          row[j] = acc;
          s += acc * acc;
        }
        float inv = static_cast<float>(1.0 / std::sqrt(s));
        for (int j = 0; j < dim; ++j) row[j] *= inv;
      }
    });
  }
  for (auto& th : pool) th.join();
}

long StatusMb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const size_t len = std::strlen(key);
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(len)) / 1024;
  return -1;
}
long PeakRssMb() { return StatusMb("VmHWM:"); }
long RssMb() { return StatusMb("VmRSS:"); }

// Prints a long build's progress (points inserted, rate, RSS) every `every` seconds until
// destroyed: a 1M-vector HNSW build on a shared 2-core machine takes an hour or more.
class ProgressLog {
 public:
  ProgressLog(const std::atomic<size_t>* done, size_t total, int every)
      : done_(done), total_(total), start_(Clock::now()), thread_([this, every] { Run(every); }) {}
  ~ProgressLog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Run(int every) {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::seconds(every), [this] { return stop_; })) {
      double s = Ms(start_, Clock::now()) / 1000;
      size_t d = done_->load(std::memory_order_relaxed);
      double rate = d / std::max(s, 1e-9);
      std::printf("  build progress: %zu / %zu (%.1f%%) in %.0f s, %.0f points/s, ETA %.0f s, RSS %ld MB\n", d,
                  total_, 100.0 * d / total_, s, rate, rate > 0 ? (total_ - d) / rate : 0.0, RssMb());
      std::fflush(stdout);
    }
  }
  const std::atomic<size_t>* done_;
  size_t total_;
  Clock::time_point start_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

struct Lat {
  double p50, p95;
};
Lat Percentiles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 95 / 100)]};
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 1000000, hnsw_n = 100000, queries = 200;
  int dim = 768, threads = 0, ef = 64, latent = 32;
  std::string dir = "/tmp";
  int progress_every = 60;
  setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines reach a log file as they happen
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--n") n = std::stoull(argv[i + 1]);
    else if (a == "--hnsw-n") hnsw_n = std::stoull(argv[i + 1]);
    else if (a == "--dim") dim = std::stoi(argv[i + 1]);
    else if (a == "--queries") queries = std::stoull(argv[i + 1]);
    else if (a == "--threads") threads = std::stoi(argv[i + 1]);
    else if (a == "--ef") ef = std::stoi(argv[i + 1]);
    else if (a == "--latent") latent = std::stoi(argv[i + 1]);
    else if (a == "--dir") dir = argv[i + 1];
    else if (a == "--progress") progress_every = std::stoi(argv[i + 1]);
  }
  hnsw_n = std::min(hnsw_n, n);
  std::printf("vector_bench: n=%zu dim=%d latent=%d hnsw_n=%zu queries=%zu cores=%u\n", n, dim, latent,
              hnsw_n, queries, std::thread::hardware_concurrency());
  std::vector<float> rows, qs;
  auto t0 = Clock::now();
  if (latent > 0) {
    FillLatent(&rows, n, dim, latent, 1);
    FillLatent(&qs, queries, dim, latent, 999);
  } else {
    FillUnit(&rows, n, dim, 1);
    FillUnit(&qs, queries, dim, 999);
  }
  // Queries near stored vectors (a perturbed copy), like a real query that has neighbours.
  for (size_t q = 0; q < queries; ++q) {
    const float* src = rows.data() + (q * 7919 % n) * dim;
    float* d = qs.data() + q * dim;
    double s = 0;
    for (int j = 0; j < dim; ++j) {
      d[j] = src[j] + 0.5f * d[j];
      s += d[j] * d[j];
    }
    for (int j = 0; j < dim; ++j) d[j] = static_cast<float>(d[j] / std::sqrt(s));
  }
  std::vector<uint64_t> labels(n);
  for (size_t i = 0; i < n; ++i) labels[i] = (uint64_t{8} << 56) | i;
  std::printf("generate: %.1f s\n", Ms(t0, Clock::now()) / 1000);

  // Exact scan over the full set (memory-mapped file, one thread per query).
  std::string exact_path = dir + "/vector_bench_exact.qvec";
  qimg::VectorIndexOptions exact_opt;
  exact_opt.hnsw_threshold = SIZE_MAX;
  t0 = Clock::now();
  auto exact = qimg::VectorIndex::Create(exact_path, {"bench:d" + std::to_string(dim), dim, 1, 0, 0},
                                         labels.data(), rows.data(), n, exact_opt);
  if (!exact.ok()) {
    std::fprintf(stderr, "%s\n", exact.status().message().c_str());
    return 1;
  }
  std::printf("exact: file written in %.1f s, %.1f MB\n", Ms(t0, Clock::now()) / 1000,
              std::filesystem::file_size(exact_path) / 1e6);
  std::vector<double> lat;
  for (size_t q = 0; q < std::min<size_t>(queries, 50); ++q) {
    auto a = Clock::now();
    auto r = (*exact)->Search(qs.data() + q * dim, dim, 10, nullptr);
    lat.push_back(Ms(a, Clock::now()));
  }
  Lat le = Percentiles(lat);
  std::printf("exact n=%zu: p50 %.2f ms  p95 %.2f ms (1 thread, %zu queries)\n", n, le.p50, le.p95, lat.size());

  // HNSW on the first hnsw_n vectors.
  std::string hpath = dir + "/vector_bench_hnsw.qvec";
  qimg::VectorIndexOptions hopt;
  hopt.hnsw_threshold = 1;
  hopt.hnsw.ef_search = ef;
  hopt.hnsw.threads = threads;
  std::atomic<size_t> inserted{0};
  hopt.hnsw.progress = &inserted;
  t0 = Clock::now();
  auto h = [&] {
    ProgressLog log(&inserted, hnsw_n, progress_every);
    return qimg::VectorIndex::Create(hpath, {"bench:d" + std::to_string(dim), dim, 1, 0, 0}, labels.data(),
                                     rows.data(), hnsw_n, hopt);
  }();
  hopt.hnsw.progress = nullptr;
  if (!h.ok()) {
    std::fprintf(stderr, "%s\n", h.status().message().c_str());
    return 1;
  }
  double build_s = Ms(t0, Clock::now()) / 1000;
  std::printf("hnsw n=%zu: build %.1f s (M=%d, ef_construction=%d, %d threads), graph file %.1f MB, vector file "
              "%.1f MB, RSS after build %ld MB\n",
              hnsw_n, build_s, hopt.hnsw.m, hopt.hnsw.ef_construction,
              threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency()),
              std::filesystem::file_size(qimg::HnswPathFor(hpath)) / 1e6, std::filesystem::file_size(hpath) / 1e6,
              RssMb());
  h->reset();  // the sweep reopens the files, as a fresh process would
  // Ground truth once per query (an exact scan of hnsw_n rows; 0.5 s each at 1M).
  t0 = Clock::now();
  std::vector<std::vector<qimg::Neighbor>> truth_of(queries);
  for (size_t q = 0; q < queries; ++q)
    truth_of[q] = qimg::ExactSearch(rows.data(), labels.data(), hnsw_n, dim, qs.data() + q * dim, 10);
  std::printf("ground truth for %zu queries: %.1f s\n", queries, Ms(t0, Clock::now()) / 1000);
  // ef sweep: hnswlib searches with max(ef, k); qimg's default floor is 64.
  std::unique_ptr<qimg::VectorIndex> reopened;
  for (int e : {ef, 128, 256, 512}) {
    qimg::VectorIndexOptions o = hopt;
    o.hnsw.ef_search = e;
    t0 = Clock::now();
    reopened.reset();
    reopened = std::move(qimg::VectorIndex::Open(hpath, o)).value();
    bool graph = reopened->has_graph();
    double open_s = Ms(t0, Clock::now()) / 1000;
    lat.clear();
    double found = 0;
    for (size_t q = 0; q < queries; ++q) {
      const float* qv = qs.data() + q * dim;
      auto a = Clock::now();
      auto r = reopened->Search(qv, dim, 10, nullptr);
      lat.push_back(Ms(a, Clock::now()));
      for (const auto& t : truth_of[q])
        for (const auto& x : *r) found += x.label == t.label;
    }
    Lat lh = Percentiles(lat);
    std::printf("hnsw n=%zu ef=%d: p50 %.3f ms  p95 %.3f ms  recall@10 %.4f  (open+checksum %.2f s, graph %s)\n",
                hnsw_n, e, lh.p50, lh.p95, found / (10.0 * queries), open_s, graph ? "ok" : "MISSING");
    if (e == ef) hopt.hnsw.ef_search = ef;
  }
  // Filtered: an allowed set of 10% of the graph's labels (over-fetch path).
  std::unordered_set<uint64_t> allowed;
  for (size_t i = 0; i < hnsw_n; i += 10) allowed.insert(labels[i]);
  qimg::VectorIndexOptions fopt = hopt;
  fopt.exact_allowed_max = 0;
  auto filtered = qimg::VectorIndex::Open(hpath, fopt);
  lat.clear();
  double found = 0;
  for (size_t q = 0; q < std::min<size_t>(queries, 100); ++q) {
    const float* qv = qs.data() + q * dim;
    auto a = Clock::now();
    auto r = (*filtered)->Search(qv, dim, 10, &allowed);
    lat.push_back(Ms(a, Clock::now()));
    auto truth = qimg::ExactSearch(rows.data(), labels.data(), hnsw_n, dim, qv, 10,
                                   [&](size_t i) { return i % 10 == 0; });
    for (const auto& t : truth)
      for (const auto& x : *r) found += x.label == t.label;
  }
  Lat lf = Percentiles(lat);
  std::printf("hnsw filtered (10%% allowed, over-fetch): p50 %.3f ms  p95 %.3f ms  recall@10 %.4f\n", lf.p50,
              lf.p95, found / (10.0 * lat.size()));
  std::printf("peak RSS: %ld MB (RSS now %ld MB, with the generated rows: %.0f MB)\n", PeakRssMb(), RssMb(),
              rows.size() * 4.0 / 1e6);
  std::filesystem::remove(exact_path);
  std::filesystem::remove(hpath);
  std::filesystem::remove(qimg::HnswPathFor(hpath));
  return 0;
}
