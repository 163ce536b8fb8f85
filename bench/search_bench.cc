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

#include "store/asset_store.h"
#include "store/collection_store.h"
#include "store/context_store.h"
#include "store/database.h"
#include "store/fact_store.h"
#include "store/lexical_store.h"
#include "store/schema.h"

namespace {

namespace fs = std::filesystem;
using qimg::Database;

const char* kPlaces[] = {"kyoto", "paris", "lisbon", "berlin", "oslo", "rome", "tokyo", "lima",
                         "cairo", "boston", "denver", "hanoi", "seoul", "quebec", "vienna",
                         "prague", "madrid", "dublin", "zurich", "nairobi", "home", "garden",
                         "office", "beach", "mountains", "lake", "farm", "studio"};
const char* kEvents[] = {"wedding", "birthday", "holiday", "trip", "hike", "concert", "conference",
                         "graduation", "christmas", "weekend", "roadtrip", "picnic", "market"};
const char* kSubjects[] = {"cat", "dog", "bridge", "temple", "car", "bicycle", "tree", "flower",
                           "sunset", "river", "boat", "train", "building", "church", "castle",
                           "child", "woman", "man", "cake", "coffee", "pizza", "horse", "bird",
                           "statue", "fountain", "street", "market", "tower", "ship", "lantern",
                           "kitchen", "table", "window", "door", "mountain", "snow", "beach",
                           "wave", "forest", "field", "sheep", "cow", "guitar", "piano", "book",
                           "laptop", "phone", "screenshot", "receipt", "document", "whiteboard"};
const char* kAdjectives[] = {"red", "blue", "green", "white", "black", "old", "small", "large",
                             "bright", "dark", "misty", "sunny", "rainy", "quiet", "busy",
                             "wooden", "stone", "modern", "ancient", "colourful"};
const char* kPreps[] = {"near", "under", "beside", "behind", "in front of", "on", "at"};
const char* kCameras[] = {"IMG", "DSC", "PXL", "DJI", "GOPR", "P"};

template <size_t N>
const char* Pick(const char* (&arr)[N], std::mt19937& rng) {
  return arr[rng() % N];
}

bool Check(const qimg::Status& s, const char* what) {
  if (!s.ok()) std::fprintf(stderr, "search_bench: %s: %s\n", what, s.message().c_str());
  return s.ok();
}

// Assets per folder ~50-200; one context per event folder.
bool BuildLibrary(const std::string& db_path, int n) {
  fs::create_directories(fs::path(db_path).parent_path());
  auto db_or = Database::Open(db_path);
  if (!db_or.ok()) return Check(db_or.status(), "open");
  Database* db = db_or->get();
  if (!Check(qimg::MigrateDatabase(db).status(), "migrate")) return false;
  std::mt19937 rng(42);
  const char* colls[] = {"photos", "phone", "work"};
  std::vector<int64_t> coll_ids;
  for (const char* c : colls) {
    auto row = qimg::InsertCollection(db, c, std::string("/bench/") + c, "**/*.jpg");
    if (!row.ok()) return Check(row.status(), "collection");
    coll_ids.push_back(row->id);
  }
  auto t0 = std::chrono::steady_clock::now();
  qimg::Transaction tx(db);
  if (!Check(tx.begin_status(), "begin")) return false;
  std::vector<std::string> ids;
  ids.reserve(n);
  std::string folder, vpath;
  int coll = 0, in_folder = 0, folder_size = 0, folder_no = 0;
  for (int i = 0; i < n; ++i) {
    if (in_folder == folder_size) {
      coll = static_cast<int>(rng() % 10 < 7 ? 0 : rng() % 2 + 1);
      int year = 2005 + static_cast<int>(rng() % 20), month = 1 + static_cast<int>(rng() % 12);
      char buf[160];
      std::snprintf(buf, sizeof buf, "%d/%02d-%s-%s-%d", year, month, Pick(kPlaces, rng),
                    Pick(kEvents, rng), folder_no++);
      folder = buf;
      in_folder = 0;
      folder_size = 50 + static_cast<int>(rng() % 150);
      vpath = std::string("qimg://") + colls[coll] + "/" + folder;
      if (rng() % 3 != 0) {  // two folders in three carry a human note
        std::string note = std::string(Pick(kEvents, rng)) + " in " + Pick(kPlaces, rng) +
                           " with the " + Pick(kAdjectives, rng) + " " + Pick(kSubjects, rng);
        if (!Check(qimg::UpsertContext(db, vpath, note).status(), "context")) return false;
      }
    }
    ++in_folder;
    qimg::AssetRow r;
    char name[64];
    std::snprintf(name, sizeof name, "%s_%04d.jpg", Pick(kCameras, rng), static_cast<int>(rng() % 10000));
    r.id = "#" + std::to_string(10000000 + i);  // unique, hex-looking enough for a benchmark
    r.collection_id = coll_ids[coll];
    r.rel_path = folder + "/" + std::to_string(i) + "_" + name;
    r.abs_path = std::string("/bench/") + colls[coll] + "/" + r.rel_path;
    r.size = 1000000 + static_cast<int64_t>(rng() % 5000000);
    r.mtime = 1.1e9 + static_cast<double>(rng() % 700000000);
    r.width = rng() % 2 ? 4032 : 1920;
    r.height = rng() % 2 ? 3024 : 1080;
    r.created_at = r.updated_at = "2025-01-01T00:00:00+00:00";
    char cap[32];
    std::snprintf(cap, sizeof cap, "%s-%02d-%02dT%02d:%02d:00", folder.substr(0, 4).c_str(),
                  1 + static_cast<int>(rng() % 12), 1 + static_cast<int>(rng() % 28),
                  static_cast<int>(rng() % 24), static_cast<int>(rng() % 60));
    r.captured_at = cap;
    if (!Check(qimg::UpsertAsset(db, r), "asset")) return false;
    qimg::FactRow f;
    f.asset_id = r.id;
    f.source = "bench@1";
    f.created_at = r.created_at;
    if (rng() % 2 == 0) {
      f.fact_type = "caption";
      f.value_text = std::string("a ") + Pick(kAdjectives, rng) + " " + Pick(kSubjects, rng) + " " +
                     Pick(kPreps, rng) + " the " + Pick(kSubjects, rng);
      if (!Check(qimg::InsertFact(db, f).status(), "fact")) return false;
    }
    f.fact_type = "tag";
    for (int t = 0; t < 3; ++t) {
      f.value_text = Pick(kSubjects, rng);
      f.confidence = 0.5 + (rng() % 50) / 100.0;
      if (!Check(qimg::InsertFact(db, f).status(), "tag")) return false;
    }
    ids.push_back(r.id);
  }
  if (!Check(qimg::MaterializeContexts(db, ids), "contexts")) return false;
  if (!Check(qimg::RefreshLexical(db, ids), "lexical")) return false;
  if (!Check(tx.Commit(), "commit")) return false;
  if (!Check(db->Exec("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;"), "checkpoint")) return false;
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("built %d assets in %.1f s\n", n, s);
  return true;
}

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
    if (!BuildLibrary(db_path, n)) return 1;
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
