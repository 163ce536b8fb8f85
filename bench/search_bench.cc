// search_bench: cold-process latency of `qimg search` on a synthetic library.
//
// Builds a library of --assets assets (default 100,000) with realistic paths, folder contexts
// and facts (captions, tags) directly through the store API (no image files), then runs the
// real qimg binary once per measurement, as a user or an agent would, and reports p50/p95
// wall time per query plus the database and FTS index sizes.
//
//   search_bench --qimg build/src/cli/qimg [--assets 100000] [--runs 20] [--dir /tmp/qimg_bench]
//
// The library is reused when --dir already holds one with the same asset count.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench/synthetic_library.h"
#include "store/database.h"

namespace {

namespace fs = std::filesystem;
using qimg::Database;

// Wall time of one `qimg search ...` process, stdout discarded; -1 on failure.
double RunOnce(const std::string& qimg, const std::vector<std::string>& args) {
  std::fflush(stdout);  // or the child's copy of the buffer is printed again
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(qimg.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(qimg.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? ms : -1;
}

int64_t FileSize(const std::string& p) {
  std::error_code ec;
  auto s = fs::file_size(p, ec);
  return ec ? 0 : static_cast<int64_t>(s);
}

}  // namespace

int main(int argc, char** argv) {
  std::string qimg, dir = "/tmp/qimg_search_bench";
  int n = 100000, runs = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--qimg") qimg = argv[i + 1];
    else if (a == "--assets") n = std::atoi(argv[i + 1]);
    else if (a == "--runs") runs = std::atoi(argv[i + 1]);
    else if (a == "--dir") dir = argv[i + 1];
  }
  if (qimg.empty() || n <= 0 || runs <= 0) {
    std::fprintf(stderr, "usage: search_bench --qimg PATH [--assets N] [--runs R] [--dir DIR]\n");
    return 2;
  }
  qimg = fs::absolute(qimg).string();
  std::string db_path = dir + "/cache/qimg/qimg.sqlite3";
  ::setenv("XDG_CONFIG_HOME", (dir + "/config").c_str(), 1);
  ::setenv("XDG_CACHE_HOME", (dir + "/cache").c_str(), 1);
  bool reuse = false;
  if (fs::exists(db_path)) {
    auto db = Database::Open(db_path);
    reuse = db.ok() && (*db)->QueryInt("SELECT count(*) FROM assets").value_or(-1) == n;
  }
  if (!reuse) {
    fs::remove_all(dir);
    if (!qimg::bench::BuildLibrary(db_path, n)) return 1;
  }
  {
    auto db = Database::Open(db_path);
    if (!db.ok()) return 1;
    auto fts = (*db)->QueryInt(
        "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'assets_fts%'");
    std::printf("assets: %d  database: %.1f MiB  assets_fts (all shadow tables): %s\n", n,
                (FileSize(db_path) + FileSize(db_path + "-wal")) / 1048576.0,
                fts.ok() ? (std::to_string(*fts / 1048576.0).substr(0, 5) + " MiB").c_str()
                         : "n/a (no dbstat)");
  }
  const std::vector<std::vector<std::string>> queries = {
      {"search", "kyoto"},
      {"search", "cat"},
      {"search", "red car near the bridge"},
      {"search", "wedding lisbon", "--json"},
      {"search", "img_0042"},
      {"search", "sunset", "--all", "--files"},
      {"search", "temple", "-c", "phone", "--after", "2015-01-01", "--before", "2019-12-31"},
      {"search", "dog", "--path-prefix", "2019/", "--min-width", "4000"},
      {"search", "zzzznotaword"},
  };
  RunOnce(qimg, {"search", "warmup"});  // creates the config file; warms the page cache
  std::printf("%-70s %8s %8s %8s\n", "command (qimg ...)", "p50 ms", "p95 ms", "max ms");
  for (const auto& q : queries) {
    std::vector<double> t;
    for (int r = 0; r < runs; ++r) {
      double ms = RunOnce(qimg, q);
      if (ms < 0) {
        std::fprintf(stderr, "search_bench: qimg failed for %s\n", q[1].c_str());
        return 1;
      }
      t.push_back(ms);
    }
    std::sort(t.begin(), t.end());
    std::string label;
    for (const auto& a : q) label += (label.empty() ? "" : " ") + (a.find(' ') != std::string::npos ? "\"" + a + "\"" : a);
    auto pct = [&](double p) { return t[std::min(t.size() - 1, static_cast<size_t>(p * (t.size() - 1) + 0.5))]; };
    std::printf("%-70s %8.1f %8.1f %8.1f\n", label.c_str(), pct(0.5), pct(0.95), t.back());
  }
  return 0;
}
