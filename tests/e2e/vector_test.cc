// End-to-end tests of embed / vsearch / similar / repair (issue 5) through the real binary, with
// the tiny random-weight CLIP of ../shared/testdata/clip-tiny configured as embed.model: its
// scores mean nothing, but every piece of plumbing (incremental embedding, filters, deletions,
// index files, staleness across processes, pHash neighbours) is real.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "store/database.h"
#include "tests/e2e/cli_runner.h"

namespace qimg::testing {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

ojson Json(const CliResult& r) {
  ojson j = ojson::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

std::set<std::string> Ids(const ojson& results) {
  std::set<std::string> s;
  for (const auto& r : results) s.insert(r["id"].get<std::string>());
  return s;
}

class VectorE2e : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sb_ = new CliSandbox("vector");
    lib_ = sb_->dir() + "/lib";
    for (int i = 1; i <= 12; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "photo-%02d", i);
      for (const char* ext : {".jpg", ".png"}) {
        std::string src = CorpusDir() + "/photos/" + name + ext;
        if (!fs::exists(src)) continue;
        fs::create_directories(lib_ + "/photos/" + (i % 2 ? "odd" : "even"));
        fs::copy_file(src, lib_ + "/photos/" + (i % 2 ? "odd/" : "even/") + name + ext);
      }
    }
    fs::create_directories(lib_ + "/near");
    for (const auto& e : fs::directory_iterator(CorpusDir() + "/dupes/near"))
      fs::copy_file(e.path(), lib_ + "/near/" + e.path().filename().string());
    config_ = sb_->dir() + "/qimg.yml";
    std::ofstream(config_) << "embed:\n  model: " << TestdataDir() << "/clip-tiny/model\n"
                           << "  batch_size: 4\n";
    Must({"collection", "add", lib_ + "/photos", "--name", "photos"});
    Must({"collection", "add", lib_ + "/near", "--name", "near"});
    Must({"update"});
    first_embed_ = new CliResult(Run({"embed", "--json"}));
  }
  static void TearDownTestSuite() {
    delete first_embed_;
    delete sb_;
  }
  static CliResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config_});
    return sb_->Run(args);
  }
  static void Must(const std::vector<std::string>& args) {
    auto r = Run(args);
    ASSERT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
  }
  static ojson MustJson(const std::vector<std::string>& args) {
    auto r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    return Json(r);
  }
  static std::string IdOf(const std::string& rel) {
    auto r = MustJson({"get", rel, "--json"});
    return r.is_array() && !r.empty() ? r[0]["id"].get<std::string>() : r["id"].get<std::string>();
  }
  static int64_t ActiveAssets() { return MustJson({"status", "--json"})["assets_active"].get<int64_t>(); }
  static std::string VectorDir() { return MustJson({"status", "--json"})["vector_dir"].get<std::string>(); }

  static CliSandbox* sb_;
  static std::string lib_, config_;
  static CliResult* first_embed_;
};
CliSandbox* VectorE2e::sb_ = nullptr;
std::string VectorE2e::lib_, VectorE2e::config_;
CliResult* VectorE2e::first_embed_ = nullptr;

TEST_F(VectorE2e, EmbedIsIncremental) {
  ASSERT_EQ(first_embed_->exit_code, 0) << first_embed_->err;
  ojson first = Json(*first_embed_);
  int64_t n = ActiveAssets();
  EXPECT_EQ(first["embedded_images"].get<int64_t>() + first["errors"].get<int64_t>(), n);
  EXPECT_EQ(first["errors"], 0) << first.dump();
  EXPECT_EQ(first["model_id"], TestdataDir() + "/clip-tiny/model:d32");  // no device in the id
  EXPECT_EQ(first["dim"], 32);
  EXPECT_EQ(first["include_images"], true);
  for (const char* key : {"embedded", "embedded_images", "embedded_ocr_text", "errors",
                          "skipped_missing", "skipped_unchanged", "model_id", "dim"})
    EXPECT_TRUE(first.contains(key)) << key;
  ojson again = MustJson({"embed", "--json"});
  EXPECT_EQ(again["embedded"], 0);
  EXPECT_EQ(again["skipped_unchanged"].get<int64_t>(), n);
  // Vectors are unit length float32 blobs.
  auto db = Database::Open(sb_->db_path());
  ASSERT_TRUE(db.ok());
  auto st = (*db)->Prepare("SELECT embedding, input_hash FROM vectors LIMIT 1");
  ASSERT_TRUE(st.ok() && *st->Step());
  std::string blob = st->ColumnBlob(0);
  ASSERT_EQ(blob.size(), 32u * 4);
  double sq = 0;
  for (int i = 0; i < 32; ++i) {
    float f;
    std::memcpy(&f, blob.data() + 4 * i, 4);
    sq += f * f;
  }
  EXPECT_NEAR(sq, 1.0, 1e-4);
  EXPECT_EQ(st->ColumnText(1).rfind("sha256:", 0), 0u);
}

TEST_F(VectorE2e, ChangedFileIsReembedded) {
  std::string target = lib_ + "/photos/even/photo-02.png";
  if (!fs::exists(target)) GTEST_SKIP() << "corpus layout changed";
  fs::copy_file(CorpusDir() + "/photos/photo-05.png", target, fs::copy_options::overwrite_existing);
  Must({"update"});
  ojson r = MustJson({"embed", "--json"});
  EXPECT_EQ(r["embedded_images"], 1);
  EXPECT_EQ(MustJson({"embed", "--json"})["embedded"], 0);
}

TEST_F(VectorE2e, VsearchFiltersRestrictEveryChannel) {
  ojson all = MustJson({"vsearch", "a photo", "--all", "--json"});
  EXPECT_EQ(static_cast<int64_t>(all.size()), ActiveAssets());
  for (const auto& r : all) {
    EXPECT_TRUE(r["scores"]["vector_image"].is_number());
    EXPECT_EQ(r["scores"]["vector"], r["scores"]["overall"]);
  }
  ojson top = MustJson({"vsearch", "a photo", "-n", "3", "--json"});
  EXPECT_EQ(top.size(), 3u);
  ojson near = MustJson({"vsearch", "a photo", "--all", "-c", "near", "--json"});
  EXPECT_FALSE(near.empty());
  for (const auto& r : near) EXPECT_EQ(r["collection"], "near");
  ojson odd = MustJson({"vsearch", "a photo", "--all", "--path-prefix", "qimg://photos/odd/", "--json"});
  EXPECT_FALSE(odd.empty());
  for (const auto& r : odd) EXPECT_EQ(r["rel_path"].get<std::string>().rfind("odd/", 0), 0u);
  // Filters that match nothing give nothing (the original searched the whole index).
  ojson none = MustJson({"vsearch", "a photo", "--path-prefix", "no/such/folder/", "--json"});
  EXPECT_TRUE(none.empty());
  auto files = Run({"vsearch", "a photo", "-n", "2", "--files"});
  EXPECT_EQ(files.exit_code, 0);
  EXPECT_EQ(std::count(files.out.begin(), files.out.end(), '\n'), 2);
  auto dbg = Run({"vsearch", "a photo", "-n", "1", "--debug"});
  EXPECT_NE(dbg.err.find("min-score 0"), std::string::npos) << dbg.err;
}

TEST_F(VectorE2e, SimilarFindsNearDuplicatesByPhash) {
  std::string target = lib_ + "/photos/even/photo-10.jpg";
  ojson r = MustJson({"similar", target, "-n", "8", "--json"});
  ASSERT_FALSE(r.empty());
  int near_in_top5 = 0;
  for (size_t i = 0; i < std::min<size_t>(5, r.size()); ++i)
    near_in_top5 += r[i]["collection"] == "near" && r[i]["rel_path"].get<std::string>().rfind("near-", 0) == 0;
  EXPECT_GE(near_in_top5, 3) << r.dump(1);
  for (const auto& x : r) EXPECT_NE(x["path"], target);
  // -c restricts; pHash neighbours from another collection are not returned.
  ojson photos_only = MustJson({"similar", target, "-c", "photos", "--json"});
  for (const auto& x : photos_only) EXPECT_EQ(x["collection"], "photos");
}

TEST_F(VectorE2e, StaleIndexCatchesUpWithAnotherProcess) {
  ojson all = MustJson({"vsearch", "a photo", "--all", "--json"});
  ASSERT_GE(all.size(), 3u);
  std::string victim = all[0]["id"], donor = all[1]["id"];
  {
    // Another process (here: this test) rewrites the table behind the index's back.
    auto db = Database::Open(sb_->db_path());
    ASSERT_TRUE(db.ok());
    auto del = (*db)->Prepare("DELETE FROM vectors WHERE asset_id = ?1");
    ASSERT_TRUE(del.ok());
    del->Bind(1, victim);
    ASSERT_TRUE(del->Run().ok());
  }
  ojson after = MustJson({"vsearch", "a photo", "--all", "--json"});
  EXPECT_EQ(after.size(), all.size() - 1);
  EXPECT_FALSE(Ids(after).count(victim));
  {
    auto db = Database::Open(sb_->db_path());
    auto copy = (*db)->Prepare(
        "INSERT INTO vectors(asset_id, model_id, embedding, updated_at, input_hash) "
        "SELECT ?1, model_id, embedding, updated_at, 'copied' FROM vectors WHERE asset_id = ?2");
    ASSERT_TRUE(copy.ok());
    copy->Bind(1, victim).Bind(2, donor);
    ASSERT_TRUE(copy->Run().ok());
  }
  // The victim now carries the donor's vector: cosine 1 (pHash twins may tie with it).
  ojson sim = MustJson({"similar", donor, "-n", "10", "--json"});
  bool found = false;
  for (const auto& x : sim) {
    if (x["id"] != victim) continue;
    found = true;
    EXPECT_NEAR(x["scores"]["overall"].get<double>(), 1.0, 1e-5);
  }
  EXPECT_TRUE(found) << sim.dump(1);
  // The copied vector has a foreign input hash: the next embed recomputes it.
  EXPECT_EQ(MustJson({"embed", "--json"})["embedded_images"], 1);
}

TEST_F(VectorE2e, DamagedIndexFileIsRebuilt) {
  std::string dir = VectorDir();
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".qvec") files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  fs::resize_file(files[0], fs::file_size(files[0]) / 2);
  ojson r = MustJson({"vsearch", "a photo", "--all", "--json"});
  EXPECT_EQ(static_cast<int64_t>(r.size()), ActiveAssets());
  std::ofstream(files[0], std::ios::trunc) << "garbage";
  ojson rep = MustJson({"repair", "--json"});
  EXPECT_EQ(rep["repaired"].get<int64_t>(), ActiveAssets());
  EXPECT_EQ(rep["dim"], 32);
  EXPECT_GT(fs::file_size(files[0]), 100u);
}

// After repair (which prunes the change log) the next process must use the written file, not
// rebuild it: the generation once fell back to 0 with an empty log, so every later vsearch
// rewrote the index (minutes with an HNSW graph).
TEST_F(VectorE2e, RepairedIndexIsReusedByLaterProcesses) {
  MustJson({"repair", "--json"});
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(VectorDir()))
    if (e.path().extension() == ".qvec") files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  struct stat before{}, after{};
  ASSERT_EQ(::stat(files[0].c_str(), &before), 0);
  for (int i = 0; i < 2; ++i) MustJson({"vsearch", "a photo", "-n", "3", "--json"});
  ASSERT_EQ(::stat(files[0].c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino) << "the index file was rewritten";
  EXPECT_EQ(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
}

TEST_F(VectorE2e, DeletedFileLeavesResults) {
  std::string gone = lib_ + "/photos/odd/photo-03.png";
  if (!fs::exists(gone)) gone = lib_ + "/photos/odd/photo-03.jpg";
  std::string id = IdOf(gone);
  fs::remove(gone);
  Must({"update"});
  ojson r = MustJson({"vsearch", "a photo", "--all", "--json"});
  EXPECT_FALSE(Ids(r).count(id));
  ojson e = MustJson({"embed", "--json"});
  EXPECT_GE(e["removed_deleted"].get<int64_t>(), 1);
  auto db = Database::Open(sb_->db_path());
  EXPECT_EQ(*(*db)->QueryInt("SELECT COUNT(*) FROM vectors WHERE asset_id = '" + id + "'"), 0);
}

TEST(VectorE2eNoModel, MissingModelIsNamedLexicalStillWorks) {
  CliSandbox sb("vector_nomodel");
  fs::create_directories(sb.dir() + "/lib");
  fs::copy_file(CorpusDir() + "/photos/photo-04.jpg", sb.dir() + "/lib/beach.jpg");
  ASSERT_EQ(sb.Run({"collection", "add", sb.dir() + "/lib", "--name", "l"}).exit_code, 0);
  ASSERT_EQ(sb.Run({"update"}).exit_code, 0);
  for (auto args : std::vector<std::vector<std::string>>{{"embed"}, {"vsearch", "beach"}}) {
    auto r = sb.Run(args);
    EXPECT_EQ(r.exit_code, 1) << args[0];
    // No config file: the default of new configurations, SigLIP 2 B/16.
    EXPECT_NE(r.err.find("siglip2-base-patch16-224"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("qimg models"), std::string::npos) << r.err;
  }
  auto s = sb.Run({"search", "beach", "--json"});
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_EQ(Json(s).size(), 1u);
  // similar and repair need no model.
  EXPECT_EQ(sb.Run({"similar", sb.dir() + "/lib/beach.jpg", "--json"}).exit_code, 0);
  EXPECT_EQ(sb.Run({"repair", "--json"}).exit_code, 0);
}

// The same commands on a SigLIP folder (siglip-tiny): embeddings are the model's width, and the
// image channel's score is sigmoid(logit_scale * cos + logit_bias), so --min-score is a match
// probability. The expected score is recomputed from `qimg encode` on the same file and text.
TEST(VectorE2eSiglip, EmbedVsearchSimilarWithSigmoidScores) {
  CliSandbox sb("vector_siglip");
  const std::string lib = sb.dir() + "/lib";
  fs::create_directories(lib);
  for (const char* name : {"photo-01.png", "photo-02.png", "photo-03.png", "photo-04.jpg"})
    fs::copy_file(CorpusDir() + "/photos/" + name, lib + "/" + name);
  const std::string model = TestdataDir() + "/siglip-tiny/model";
  const std::string config = sb.dir() + "/qimg.yml";
  std::ofstream(config) << "embed:\n  model: " << model << "\n  batch_size: 3\n";
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config});
    return sb.Run(args);
  };
  ASSERT_EQ(run({"collection", "add", lib, "--name", "lib"}).exit_code, 0);
  ASSERT_EQ(run({"update"}).exit_code, 0);
  CliResult e = run({"embed", "--json"});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  ojson ej = Json(e);
  EXPECT_EQ(ej["model_id"], model + ":d64");
  EXPECT_EQ(ej["dim"], 64);
  EXPECT_EQ(ej["embedded_images"], 4);
  EXPECT_EQ(ej["errors"], 0);

  const std::string query = "a photo of a cat";
  CliResult v = run({"vsearch", query, "--json", "--debug"});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  EXPECT_NE(v.err.find("image score (SigLIP) = sigmoid(10 * cos - 2.5)"), std::string::npos)
      << v.err;
  ojson hits = Json(v);
  ASSERT_EQ(hits.size(), 4u);
  CliResult enc = sb.Run({"encode", "--model", model, "--image", lib + "/photo-01.png", "--text",
                          query, "--json"});
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  ojson ej2 = ojson::parse(enc.out);
  double cos = 0;
  for (int i = 0; i < 64; ++i)
    cos += ej2["items"][0]["embedding"][i].get<double>() * ej2["items"][1]["embedding"][i].get<double>();
  const double want = 1.0 / (1.0 + std::exp(-(10.0 * cos - 2.5)));
  bool found = false;
  for (const auto& h : hits) {
    double s = h["scores"]["vector_image"].get<double>();
    EXPECT_GT(s, 0.0);
    EXPECT_LT(s, 0.5);  // random weights: cosines near 0, so probabilities near sigmoid(-2.5)
    if (h["path"].get<std::string>().find("photo-01.png") != std::string::npos) {
      found = true;
      EXPECT_NEAR(s, want, 1e-4);
    }
  }
  EXPECT_TRUE(found);
  // --min-score is a probability: nothing here is a likely match.
  CliResult strict = run({"vsearch", query, "--json", "--min-score", "0.5"});
  ASSERT_EQ(strict.exit_code, 0) << strict.err;
  EXPECT_EQ(Json(strict).size(), 0u);

  CliResult sim = run({"similar", lib + "/photo-01.png", "--json"});
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  ojson sj = Json(sim);
  ASSERT_GE(sj.size(), 3u);
  for (const auto& h : sj) EXPECT_EQ(h["path"].get<std::string>().find("photo-01.png"), std::string::npos);
}

}  // namespace
}  // namespace qimg::testing
