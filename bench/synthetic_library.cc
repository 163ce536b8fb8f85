#include "bench/synthetic_library.h"

#include <chrono>
#include <cstdio>
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

namespace qimg::bench {
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
  if (!s.ok()) std::fprintf(stderr, "bench library: %s: %s\n", what, s.message().c_str());
  return s.ok();
}

}  // namespace

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

}  // namespace qimg::bench
