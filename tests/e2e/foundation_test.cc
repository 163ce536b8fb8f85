// End-to-end tests of the foundation (issue 2): collections, update over the real corpus,
// contexts, get/multi-get/facts/status/cleanup, error handling and crash safety, checked
// against ../shared/testdata/corpus/manifest.json.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "store/database.h"
#include "tests/e2e/cli_runner.h"

namespace qimg::testing {
namespace {

using json = nlohmann::json;

// Returned by reference: range-for over a member of a temporary would dangle.
const json& Manifest() {
  static const json* manifest = [] {
    std::ifstream in(CorpusDir() + "/manifest.json");
    return new json(json::parse(in));
  }();
  return *manifest;
}

json ParseJson(const CliResult& r) {
  json j = json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

// One indexed corpus shared by the tests of this file (indexing takes about a second).
class CorpusTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sandbox_ = new CliSandbox("foundation");
    auto add = sandbox_->Run({"collection", "add", CorpusDir(), "--name", "corpus"});
    ASSERT_EQ(add.exit_code, 0) << add.err;
    update_ = new CliResult(sandbox_->Run({"update", "--json"}));
  }
  static void TearDownTestSuite() {
    delete update_;
    delete sandbox_;
  }
  // rel_path -> result object, from multi-get over everything.
  static std::map<std::string, json> AllAssets() {
    auto r = sandbox_->Run({"multi-get", "--glob", "*", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, json> out;
    for (auto& o : ParseJson(r)) out[o["rel_path"].get<std::string>()] = o;
    return out;
  }
  static CliSandbox* sandbox_;
  static CliResult* update_;
};
CliSandbox* CorpusTest::sandbox_ = nullptr;
CliResult* CorpusTest::update_ = nullptr;

TEST_F(CorpusTest, EveryDecodableFileIsIndexedWithItsDisplaySize) {
  ASSERT_EQ(update_->exit_code, 0) << update_->err;
  json stats = ParseJson(*update_);
  EXPECT_GT(stats["added"].get<int>(), 100);
  auto assets = AllAssets();
  int checked = 0;
  for (const auto& f : Manifest()["files"]) {
    std::string path = f["path"];
    const json& exp = f["expected"];
    std::string kind = f["kind"];
    if (kind == "hostile-generated" || kind == "metadata-sidecar") continue;
    std::string ext = path.substr(path.find_last_of('.') + 1);
    for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    static const std::set<std::string> kMask = {"jpg", "jpeg", "png", "webp", "tif", "tiff",
                                                "heic", "heif", "avif", "gif", "bmp"};
    if (!kMask.count(ext)) continue;
    if (path.find("/deep/") != std::string::npos && path.size() > 300) continue;
    // Hidden files are skipped by design (README: "hidden files and folders are not indexed").
    if (path.find("/.") != std::string::npos) continue;
    if (exp.value("decodable", json()) == json(true)) {
      auto it = assets.find(path);
      ASSERT_NE(it, assets.end()) << "not indexed: " << path;
      if (exp.contains("width")) {
        EXPECT_EQ(it->second["metadata"]["width"], exp["width"]) << path;
        EXPECT_EQ(it->second["metadata"]["height"], exp["height"]) << path;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 90);
}

TEST_F(CorpusTest, HostileFilesAreRecordedWithAReason) {
  auto r = sandbox_->Run({"status", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json st = ParseJson(r);
  std::map<std::string, std::string> issues;
  for (auto& i : st["issues"]) issues[i["rel_path"]] = i["reason"];
  auto assets = AllAssets();
  for (const auto& f : Manifest()["files"]) {
    std::string path = f["path"];
    if (f["kind"] != "hostile") continue;
    json dec = f["expected"].value("decodable", json());
    if (dec == json(false) || dec == json("valid-but-over-limit")) {
      // Either skipped with a reason, or (for wrong extensions) not matched by the mask.
      bool recorded = issues.count(path) > 0;
      bool indexed = assets.count(path) > 0;
      EXPECT_FALSE(indexed) << path << " should not be an asset";
      if (recorded) {
        EXPECT_FALSE(issues[path].empty());
      }
    }
  }
  EXPECT_TRUE(issues.count("hostile/zero-bytes.jpg"));
  EXPECT_TRUE(issues.count("hostile/bomb-png-30000x30000.png"));
  EXPECT_TRUE(issues.count("hostile/text-file.jpg"));
  EXPECT_GE(st["scan_issues"].get<int>(), 5);
}

TEST_F(CorpusTest, ExifValuesMatchTheManifest) {
  auto assets = AllAssets();
  int checked = 0;
  for (const auto& f : Manifest()["files"]) {
    if (f["kind"] != "metadata") continue;
    std::string path = f["path"];
    const json& w = f["expected"].value("metadata_written", json::object());
    auto it = assets.find(path);
    if (it == assets.end()) continue;
    const json& exif = it->second["facts"]["exif"];
    if (w.contains("Model") && w["Model"].is_string()) {
      EXPECT_EQ(it->second["metadata"]["camera"], w["Model"]) << path;
    }
    if (w.contains("DateTimeOriginal") && w["DateTimeOriginal"].is_string()) {
      std::string d = w["DateTimeOriginal"];
      std::string iso = d.substr(0, 4) + "-" + d.substr(5, 2) + "-" + d.substr(8, 2) + "T" + d.substr(11);
      EXPECT_EQ(it->second["metadata"]["date"], iso) << path;
    }
    if (w.contains("GPSLatitude") && w["GPSLatitude"].is_number()) {
      ASSERT_TRUE(exif.contains("gps_latitude")) << path;
      EXPECT_NEAR(exif["gps_latitude"].get<double>(), w["GPSLatitude"].get<double>(), 1e-4) << path;
      EXPECT_NEAR(exif["gps_longitude"].get<double>(), w["GPSLongitude"].get<double>(), 1e-4) << path;
    }
    if (w.contains("ISO") && w["ISO"].is_number()) {
      EXPECT_EQ(exif["iso"], w["ISO"]) << path;
    }
    ++checked;
  }
  EXPECT_GE(checked, 10);
  // meta-exif-full: lens, exposure, description as caption fact with its source.
  auto full = assets.at("metadata/meta-exif-full.jpg");
  EXPECT_EQ(full["facts"]["exif"]["lens"], "EF-S18-135mm f/3.5-5.6 IS USM");
  EXPECT_EQ(full["facts"]["exif"]["exposure_time"], "1/4");
  EXPECT_EQ(full["facts"]["caption"], "Suspension bridge at night");
}

TEST_F(CorpusTest, DuplicatesByHash) {
  auto db = Database::OpenReadOnly(sandbox_->db_path());
  ASSERT_TRUE(db.ok());
  std::map<std::string, std::string> sha, phash;
  auto st = (*db)->Prepare("SELECT rel_path, sha256, phash FROM assets");
  ASSERT_TRUE(st.ok());
  while (*st->Step()) {
    sha[st->ColumnText(0)] = st->ColumnText(1);
    phash[st->ColumnText(0)] = st->ColumnText(2);
  }
  auto distance = [](const std::string& a, const std::string& b) {
    int d = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
      int x = std::stoi(a.substr(i, 1), nullptr, 16) ^ std::stoi(b.substr(i, 1), nullptr, 16);
      d += __builtin_popcount(x);
    }
    return d;
  };
  int exact = 0, near = 0;
  for (const auto& f : Manifest()["files"]) {
    if (f["kind"] != "dupe" || !f["expected"].contains("of")) continue;
    std::string path = f["path"], of = f["expected"]["of"];
    std::string rel = f["expected"].value("relation", "");
    if (!sha.count(path) || !sha.count(of)) continue;
    EXPECT_EQ(sha[path], f["sha256"].get<std::string>()) << path;
    if (rel == "exact") {
      EXPECT_EQ(sha[path], sha[of]) << path;
      ++exact;
    } else if (rel == "near" || rel == "pixel-identical") {
      EXPECT_LE(distance(phash[path], phash[of]), 10) << path;
      ++near;
    } else if (rel == "transformed") {
      EXPECT_GT(distance(phash[path], phash[of]), 12) << path;
    }
  }
  EXPECT_GE(exact, 2);
  EXPECT_GE(near, 5);
}

TEST_F(CorpusTest, ReRunIsIncremental) {
  auto r = sandbox_->Run({"update", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json s = ParseJson(r);
  EXPECT_EQ(s["added"], 0);
  EXPECT_EQ(s["changed"], 0);
  EXPECT_EQ(s["deleted"], 0);
}

TEST_F(CorpusTest, IdsPrefixesPathsAndErrors) {
  auto assets = AllAssets();
  std::string id = assets.at("photos/photo-01.png")["id"];
  ASSERT_EQ(id.size(), 9u);  // '#' + 8 hex digits
  for (const std::string& ident : {id, id.substr(0, 6), std::string("photos/photo-01.png"),
                                   CorpusDir() + "/photos/photo-01.png",
                                   std::string("qimg://corpus/photos/photo-01.png")}) {
    auto r = sandbox_->Run({"get", ident, "--files"});
    ASSERT_EQ(r.exit_code, 0) << ident << r.err;
    EXPECT_EQ(r.out.substr(0, 9), id) << ident;
  }
  auto missing = sandbox_->Run({"get", "#ffffffff"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no asset matches"), std::string::npos);
  EXPECT_TRUE(missing.out.empty());
  auto facts_missing = sandbox_->Run({"facts", "rm", "--source", "legacy", "--asset", "nope.jpg"});
  EXPECT_EQ(facts_missing.exit_code, 1);
  auto usage = sandbox_->Run({"collection", "add", CorpusDir()});
  EXPECT_EQ(usage.exit_code, 2);
  auto nothing = sandbox_->Run({});
  EXPECT_EQ(nothing.exit_code, 2);
}

TEST_F(CorpusTest, TsvHasEmptyFieldsNeverNone) {
  auto r = sandbox_->Run({"multi-get", "--glob", "*photo-0*", "--files"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.find("None"), std::string::npos);
  std::istringstream in(r.out);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(std::count(line.begin(), line.end(), '\t'), 6) << line;
    ++lines;
  }
  EXPECT_GE(lines, 9);
}

TEST(FoundationTest, CollectionsValidateInput) {
  CliSandbox sb("collections");
  std::string root = sb.dir() + "/pics";
  std::filesystem::create_directories(root + "/2024");
  std::filesystem::copy_file(CorpusDir() + "/photos/photo-01.png", root + "/2024/trip.png");
  std::filesystem::copy_file(CorpusDir() + "/photos/photo-02.png", root + "/top.png");
  EXPECT_EQ(sb.Run({"collection", "add", sb.dir() + "/missing", "--name", "x"}).exit_code, 1);
  EXPECT_EQ(sb.Run({"collection", "add", root + "/top.png", "--name", "x"}).exit_code, 1);
  ASSERT_EQ(sb.Run({"collection", "add", root, "--name", "photos"}).exit_code, 0);
  auto dup = sb.Run({"collection", "add", root, "--name", "photos"});
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_NE(dup.err.find("already exists"), std::string::npos);
  // A second collection over the same files must not crash the update.
  ASSERT_EQ(sb.Run({"collection", "add", root + "/2024", "--name", "overlap"}).exit_code, 0);
  ASSERT_EQ(sb.Run({"context", "add", "qimg://photos", "Family photos"}).exit_code, 0);
  ASSERT_EQ(sb.Run({"context", "add", "qimg://photos/2024", "Japan trip"}).exit_code, 0);
  auto up = sb.Run({"update", "--json"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  json s = json::parse(up.out);
  EXPECT_EQ(s["added"], 2);
  EXPECT_EQ(s["skipped"], 1);  // the overlapping copy is recorded, not a crash
  auto get = sb.Run({"get", "qimg://photos/2024/trip.png", "--json"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  json g = json::parse(get.out);
  ASSERT_EQ(g[0]["contexts"].size(), 2u);
  EXPECT_EQ(g[0]["contexts"][0]["text"], "Family photos");
  EXPECT_EQ(g[0]["contexts"][1]["text"], "Japan trip");
  // Rename moves the contexts; the asset keeps them.
  ASSERT_EQ(sb.Run({"collection", "rename", "photos", "pics"}).exit_code, 0);
  auto ctx = sb.Run({"context", "list", "--json"});
  json c = json::parse(ctx.out);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0]["virtual_path"], "qimg://pics");
  auto again = json::parse(sb.Run({"get", "qimg://pics/2024/trip.png", "--json"}).out);
  EXPECT_EQ(again[0]["contexts"].size(), 2u);
  // Removing a context touches the assets below it.
  ASSERT_EQ(sb.Run({"context", "rm", "qimg://pics/2024"}).exit_code, 0);
  auto after = json::parse(sb.Run({"get", "qimg://pics/2024/trip.png", "--json"}).out);
  EXPECT_EQ(after[0]["contexts"].size(), 1u);
  EXPECT_EQ(sb.Run({"context", "add", "photos/2024", "x"}).exit_code, 1);
  EXPECT_EQ(sb.Run({"context", "rm", "qimg://pics/none"}).exit_code, 1);
  // A deleted file is soft-deleted; cleanup purges it.
  std::filesystem::remove(root + "/top.png");
  json u2 = json::parse(sb.Run({"update", "--json"}).out);
  EXPECT_EQ(u2["deleted"], 1);
  json cl = json::parse(sb.Run({"cleanup", "--json"}).out);
  EXPECT_EQ(cl["deleted_assets"], 1);
  EXPECT_EQ(sb.Run({"collection", "remove", "nope"}).exit_code, 1);
  EXPECT_EQ(sb.Run({"collection", "remove", "pics"}).exit_code, 0);
  json st = json::parse(sb.Run({"status", "--json"}).out);
  EXPECT_EQ(st["assets_active"], 0);
  EXPECT_EQ(st["fts_rows"], 0);
}

// Two collections over one file: the older collection owns it however the workers finish.
// Jobs 0 and 1 below are the same file and run side by side, so an update that committed in
// completion order would give it to "overlap" about half the time.
TEST(FoundationTest, OverlappingCollectionsAlwaysGiveTheFileToTheOlderOne) {
  for (int round = 0; round < 12; ++round) {
    CliSandbox sb("overlap" + std::to_string(round));
    std::string root = sb.dir() + "/pics";
    std::filesystem::create_directories(root + "/sub");
    std::filesystem::copy_file(CorpusDir() + "/photos/photo-01.png", root + "/sub/a.png");
    ASSERT_EQ(sb.Run({"collection", "add", root, "--name", "photos"}).exit_code, 0);
    ASSERT_EQ(sb.Run({"collection", "add", root + "/sub", "--name", "overlap"}).exit_code, 0);
    auto up = sb.Run({"update", "--json"});
    ASSERT_EQ(up.exit_code, 0) << up.err;
    json s = json::parse(up.out);
    EXPECT_EQ(s["added"], 1);
    ASSERT_EQ(s["issues"].size(), 1u);
    EXPECT_EQ(s["issues"][0]["collection"], "overlap") << "round " << round;
    auto get = sb.Run({"get", "qimg://photos/sub/a.png", "--files"});
    EXPECT_EQ(get.exit_code, 0) << "round " << round << ": " << get.err;
  }
}

TEST(FoundationTest, ConfigErrorsNameTheKey) {
  CliSandbox sb("config");
  std::string cfg = sb.dir() + "/bad.yaml";
  std::ofstream(cfg) << "search:\n  rrf_k: lots\n";
  auto r = sb.Run({"--config", cfg, "status"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("search.rrf_k"), std::string::npos);
  EXPECT_TRUE(r.out.empty());
  auto init = sb.Run({"init-config", "--json"});
  ASSERT_EQ(init.exit_code, 0);
  json j = json::parse(init.out);
  EXPECT_TRUE(std::filesystem::exists(j["config_path"].get<std::string>()));
}

// kill -9 in the middle of an update leaves a consistent database and a re-run finishes it.
TEST(FoundationTest, KillDuringUpdateLosesNothing) {
  CliSandbox sb("kill");
  ASSERT_EQ(sb.Run({"collection", "add", CorpusDir(), "--name", "corpus"}).exit_code, 0);
  for (int delay_ms : {150, 400}) {
    pid_t pid = ::fork();
    if (pid == 0) {
      ::setenv("XDG_CONFIG_HOME", (sb.dir() + "/config").c_str(), 1);
      ::setenv("XDG_CACHE_HOME", (sb.dir() + "/cache").c_str(), 1);
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
      std::string bin = QimgBinary();
      ::execl(bin.c_str(), bin.c_str(), "update", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::usleep(delay_ms * 1000);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    auto db = Database::Open(sb.db_path());
    ASSERT_TRUE(db.ok());
    auto st = (*db)->Prepare("PRAGMA integrity_check");
    ASSERT_TRUE(st.ok());
    ASSERT_TRUE(*st->Step());
    EXPECT_EQ(st->ColumnText(0), "ok");
  }
  auto r = sb.Run({"update", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json st = json::parse(sb.Run({"status", "--json"}).out);
  CliSandbox fresh("kill_ref");
  ASSERT_EQ(fresh.Run({"collection", "add", CorpusDir(), "--name", "corpus"}).exit_code, 0);
  ASSERT_EQ(fresh.Run({"update"}).exit_code, 0);
  json ref = json::parse(fresh.Run({"status", "--json"}).out);
  EXPECT_EQ(st["assets_active"], ref["assets_active"]);
  EXPECT_EQ(st["fts_rows"], ref["fts_rows"]);
  EXPECT_EQ(st["facts"], ref["facts"]);
}

}  // namespace
}  // namespace qimg::testing
