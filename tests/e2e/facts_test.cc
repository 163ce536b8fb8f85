// End-to-end tests of `qimg facts extract` (issue 6) on a small copy of the corpus: OCR text,
// derived colours/orientation, metadata captions and keywords kept, object facts never deleted
// when no detector can replace them, unresolved ids refused, and (with the tiny random CLIP)
// the zero-shot plumbing: label cache created and reused, top-k respected, replacement by
// source leaving other sources alone, `facts rm --source` on the new sources.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <nlohmann/json.hpp>

#include "store/database.h"
#include "tests/e2e/cli_runner.h"

namespace qimg::testing {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

json ParseJson(const CliResult& r) {
  json j = json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

// Small and fast: text images, a red espresso, a portrait, a landscape, two metadata files.
const std::vector<std::string> kFiles = {
    "ocr/ocr-01.png", "ocr/ocr-09.png", "photos/photo-03.png", "photos/photo-11.jpg",
    "photos/photo-04.jpg", "metadata/meta-xmp.jpg", "metadata/meta-iptc.jpg"};

void CopyCorpus(const std::string& dest) {
  for (const auto& rel : kFiles) {
    fs::create_directories(fs::path(dest) / fs::path(rel).parent_path());
    fs::copy_file(CorpusDir() + "/" + rel, fs::path(dest) / rel, fs::copy_options::overwrite_existing);
  }
}

void WriteConfig(const CliSandbox& sb, const std::string& yaml) {
  fs::create_directories(sb.dir() + "/config/qimg");
  std::ofstream(sb.dir() + "/config/qimg/config.yaml") << yaml;
}

json Facts(const CliSandbox& sb, const std::string& path) {
  auto r = sb.Run({"facts", "ls", path, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return ParseJson(r);
}

std::vector<json> OfSource(const json& facts, const std::string& type, const std::string& source) {
  std::vector<json> out;
  for (const auto& f : facts)
    if (f["fact_type"] == type && f["source"] == source) out.push_back(f);
  return out;
}

bool HasValue(const json& facts, const std::string& key, const std::string& value) {
  for (const auto& f : facts)
    if (f["key"] == key && f["value_text"] == value) return true;
  return false;
}

int64_t CountFacts(const CliSandbox& sb) {
  auto db = Database::Open(sb.db_path());
  if (!db.ok()) return -1;
  return (*db)->QueryInt("SELECT COUNT(*) FROM facts").value_or(-1);
}

class FactsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sb_ = new CliSandbox("facts");
    lib_ = sb_->dir() + "/lib";
    CopyCorpus(lib_);
    ASSERT_EQ(sb_->Run({"collection", "add", lib_, "--name", "lib"}).exit_code, 0);
    ASSERT_EQ(sb_->Run({"update"}).exit_code, 0);
    // An object fact from elsewhere (e.g. a legacy import): no run may delete it.
    auto db = Database::Open(sb_->db_path());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec(
        "INSERT INTO facts(asset_id, fact_type, key, value_text, value_json, confidence, source, "
        "created_at, updated_at) SELECT id, 'object', 'cup', 'cup', NULL, 0.9, 'legacy', "
        "'2024-01-01T00:00:00', '2024-01-01T00:00:00' FROM assets WHERE rel_path = 'photos/photo-03.png'").ok());
    extract_ = new CliResult(sb_->Run({"facts", "extract", "--json"}));
  }
  static void TearDownTestSuite() {
    delete extract_;
    delete sb_;
  }
  static std::string Path(const std::string& rel) { return lib_ + "/" + rel; }
  static CliSandbox* sb_;
  static std::string lib_;
  static CliResult* extract_;
};
CliSandbox* FactsTest::sb_ = nullptr;
std::string FactsTest::lib_;
CliResult* FactsTest::extract_ = nullptr;

TEST_F(FactsTest, AllChannelsByDefaultWithHonestStats) {
  ASSERT_EQ(extract_->exit_code, 0) << extract_->err;
  json s = ParseJson(*extract_);
  // SPEC §6.3 keys first, in order.
  std::vector<std::string> keys;
  auto ordered = nlohmann::ordered_json::parse(extract_->out);
  for (auto it = ordered.begin(); it != ordered.end(); ++it) keys.push_back(it.key());
  const std::vector<std::string> spec = {"processed", "captions", "tags", "objects", "ocr", "errors",
                                         "object_runtime_available", "object_skipped_unavailable",
                                         "ocr_runtime_available", "ocr_skipped_unavailable", "scoped_assets"};
  ASSERT_GE(keys.size(), spec.size());
  EXPECT_EQ(std::vector<std::string>(keys.begin(), keys.begin() + spec.size()), spec);
  const int n = static_cast<int>(kFiles.size());
  EXPECT_EQ(s["processed"], n);
  EXPECT_EQ(s["errors"], 0);
  EXPECT_EQ(s["scoped_assets"], 0);
  EXPECT_GE(s["ocr"].get<int>(), 2);
  EXPECT_GE(s["derived"].get<int>(), 3 * n);
  EXPECT_TRUE(s["ocr_runtime_available"]);
  EXPECT_FALSE(s["object_runtime_available"]);
  EXPECT_EQ(s["object_skipped_unavailable"], n);
  EXPECT_EQ(s["objects"], 0);
  // No image model installed: file-name fallback, explicitly named.
  EXPECT_FALSE(s["image_model_available"]);
  EXPECT_TRUE(s["filename_fallback"]);
  EXPECT_EQ(s["sources"]["tags"], "filename_tokens@1");
  EXPECT_EQ(s["sources"]["caption"], "filename_caption@1");
  EXPECT_EQ(s["sources"]["derived"], "derived_pixels@1");
  EXPECT_EQ(s["sources"]["ocr"].get<std::string>().rfind("ocr_tesseract@5:eng", 0), 0u);
  // Captions: the two metadata files keep their own description.
  EXPECT_EQ(s["captions_kept_metadata"], 2);
  EXPECT_EQ(s["captions"], n - 2);
  // stderr says which detector is missing and how to install it.
  EXPECT_NE(extract_->err.find("qimg-object-detector-detr-resnet-50"), std::string::npos) << extract_->err;
  EXPECT_NE(extract_->err.find("qimg models"), std::string::npos) << extract_->err;
}

TEST_F(FactsTest, OcrTextWithConfidence) {
  json f = Facts(*sb_, Path("ocr/ocr-01.png"));
  std::vector<json> ocr;
  for (const auto& x : f)
    if (x["fact_type"] == "ocr") ocr.push_back(x);
  ASSERT_EQ(ocr.size(), 1u) << f.dump();
  EXPECT_EQ(ocr[0]["value_text"], "The quick brown fox jumps over the lazy dog");
  EXPECT_GT(ocr[0]["confidence"].get<double>(), 0.6);
  EXPECT_LE(ocr[0]["confidence"].get<double>(), 1.0);
  json small = Facts(*sb_, Path("ocr/ocr-09.png"));
  bool found = false;
  for (const auto& x : small)
    if (x["fact_type"] == "ocr") found = x["value_text"] == "Small print: terms apply to orders over 25 EUR.";
  EXPECT_TRUE(found) << small.dump();
  // A photo without text gets no OCR fact.
  for (const auto& x : Facts(*sb_, Path("photos/photo-11.jpg"))) EXPECT_NE(x["fact_type"], "ocr");
}

TEST_F(FactsTest, DerivedColoursAndOrientation) {
  json espresso = Facts(*sb_, Path("photos/photo-03.png"));
  EXPECT_TRUE(HasValue(espresso, "colour", "red")) << espresso.dump();
  EXPECT_TRUE(HasValue(espresso, "orientation", "landscape"));
  EXPECT_TRUE(HasValue(Facts(*sb_, Path("photos/photo-11.jpg")), "orientation", "portrait"));
  EXPECT_TRUE(HasValue(Facts(*sb_, Path("photos/photo-04.jpg")), "orientation", "landscape"));
  // The numbers reach results as facts.derived.
  auto g = sb_->Run({"get", Path("photos/photo-03.png"), "--json"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  json d = ParseJson(g)[0]["facts"]["derived"];
  EXPECT_EQ(d["orientation"], "landscape") << d.dump();
  EXPECT_TRUE(d["colours"].contains("red")) << d.dump();
}

TEST_F(FactsTest, LexicalIndexSeesNewFacts) {
  auto r = sb_->Run({"search", "quick brown fox", "--files"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ocr-01.png"), std::string::npos) << r.out;
  auto red = sb_->Run({"search", "red", "--files", "-n", "20"});
  EXPECT_NE(red.out.find("photo-03.png"), std::string::npos) << red.out;
}

TEST_F(FactsTest, MetadataCaptionsAndKeywordsKept) {
  json f = Facts(*sb_, Path("metadata/meta-xmp.jpg"));
  EXPECT_EQ(OfSource(f, "caption", "xmp_description@1").size(), 1u) << f.dump();
  EXPECT_TRUE(OfSource(f, "caption", "filename_caption@1").empty());
  EXPECT_EQ(OfSource(f, "tag", "xmp_keywords@1").size(), 4u);
  json iptc = Facts(*sb_, Path("metadata/meta-iptc.jpg"));
  EXPECT_EQ(OfSource(iptc, "tag", "xmp_keywords@1").size(), 4u);
  EXPECT_EQ(OfSource(iptc, "caption", "xmp_description@1").size(), 1u);
}

TEST_F(FactsTest, ObjectFactsNeverDeletedWithoutADetector) {
  auto r = sb_->Run({"facts", "extract", "--objects", Path("photos/photo-03.png"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json s = ParseJson(r);
  EXPECT_EQ(s["processed"], 1);
  EXPECT_EQ(s["scoped_assets"], 1);
  EXPECT_EQ(s["object_skipped_unavailable"], 1);
  EXPECT_EQ(OfSource(Facts(*sb_, Path("photos/photo-03.png")), "object", "legacy").size(), 1u);
}

TEST_F(FactsTest, UnresolvedIdIsAnErrorAndNothingIsDone) {
  const int64_t before = CountFacts(*sb_);
  auto r = sb_->Run({"facts", "extract", Path("ocr/ocr-01.png"), "#ffffffffff", "--derived"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("ffffffffff"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(CountFacts(*sb_), before);
}

TEST_F(FactsTest, ChannelReplacesOnlyItsOwnSourceAndRmWorks) {
  const std::string p = Path("photos/photo-03.png");
  const size_t derived = OfSource(Facts(*sb_, p), "derived", "derived_pixels@1").size();
  ASSERT_GT(derived, 3u);
  auto again = sb_->Run({"facts", "extract", "--derived", p});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  json f = Facts(*sb_, p);
  EXPECT_EQ(OfSource(f, "derived", "derived_pixels@1").size(), derived);  // replaced, not doubled
  EXPECT_FALSE(OfSource(f, "tag", "filename_tokens@1").empty());          // other channels kept
  auto rm = sb_->Run({"facts", "rm", "--source", "derived_pixels@1", "--asset", p, "--json"});
  ASSERT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_EQ(ParseJson(rm)["removed"], derived);
  f = Facts(*sb_, p);
  EXPECT_TRUE(OfSource(f, "derived", "derived_pixels@1").empty());
  EXPECT_FALSE(OfSource(f, "tag", "filename_tokens@1").empty());
  EXPECT_EQ(OfSource(f, "object", "legacy").size(), 1u);
}

TEST_F(FactsTest, BrokenFileIsCountedNotFatal) {
  // A separate library: one file turns into garbage after indexing.
  CliSandbox sb("facts_broken");
  const std::string lib = sb.dir() + "/lib";
  fs::create_directories(lib);
  fs::copy_file(CorpusDir() + "/ocr/ocr-01.png", lib + "/a.png");
  fs::copy_file(CorpusDir() + "/photos/photo-03.png", lib + "/b.png");
  ASSERT_EQ(sb.Run({"collection", "add", lib, "--name", "lib"}).exit_code, 0);
  ASSERT_EQ(sb.Run({"update"}).exit_code, 0);
  std::ofstream(lib + "/b.png", std::ios::trunc) << "not an image";
  auto r = sb.Run({"facts", "extract", "--derived", "--ocr", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json s = ParseJson(r);
  EXPECT_EQ(s["processed"], 2);
  EXPECT_EQ(s["errors"], 1);
  EXPECT_EQ(s["ocr"], 1);
  ASSERT_EQ(s["failures"].size(), 1u);
  EXPECT_EQ(s["failures"][0]["rel_path"], "b.png");
}

// The tiny random-weight CLIP: the labels it picks mean nothing, the plumbing is what is tested.
TEST(FactsClipTest, ZeroShotTagsAndCaptionsPlumbing) {
  CliSandbox sb("facts_clip");
  const std::string lib = sb.dir() + "/lib";
  CopyCorpus(lib);
  ASSERT_EQ(sb.Run({"collection", "add", lib, "--name", "lib"}).exit_code, 0);
  ASSERT_EQ(sb.Run({"update"}).exit_code, 0);
  const std::string xmp = lib + "/metadata/meta-xmp.jpg", photo = lib + "/photos/photo-03.png";
  // First without a model: file-name fallback tags.
  WriteConfig(sb, "embed:\n  model: " + sb.dir() + "/no-such-model\n");
  auto fb = sb.Run({"facts", "extract", "--tags", "--json"});
  ASSERT_EQ(fb.exit_code, 0) << fb.err;
  EXPECT_TRUE(ParseJson(fb)["filename_fallback"]);
  EXPECT_FALSE(OfSource(Facts(sb, photo), "tag", "filename_tokens@1").empty());

  const std::string model = std::string(QIMG_TESTDATA_DIR) + "/clip-tiny/model";
  WriteConfig(sb, "embed:\n  model: " + model + "\nfacts:\n  tag_threshold: 0\n  tag_top_k: 3\n");
  const std::string source = "clip_zeroshot@1:" + model;
  auto first = sb.Run({"facts", "extract", "--tags", "--caption", "--json"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  json s = ParseJson(first);
  const int n = static_cast<int>(kFiles.size());
  EXPECT_TRUE(s["image_model_available"]);
  EXPECT_FALSE(s["filename_fallback"]);
  EXPECT_EQ(s["sources"]["tags"], source);
  EXPECT_EQ(s["sources"]["caption"], "caption_clip@1:" + model);
  EXPECT_EQ(s["tags"], 3 * n);
  EXPECT_EQ(s["captions"], n - 2);
  EXPECT_FALSE(s["label_cache_hit"]);
  const std::string cache = s["label_cache"];
  ASSERT_TRUE(fs::exists(cache)) << cache;
  EXPECT_EQ(cache.rfind(sb.dir() + "/cache/qimg/", 0), 0u) << cache;

  json f = Facts(sb, photo);
  auto tags = OfSource(f, "tag", source);
  ASSERT_EQ(tags.size(), 3u);
  for (const auto& t : tags) {
    EXPECT_GT(t["confidence"].get<double>(), 0.0);
    EXPECT_LE(t["confidence"].get<double>(), 1.0);
  }
  EXPECT_TRUE(OfSource(f, "tag", "filename_tokens@1").empty());  // superseded by image tags
  auto caps = OfSource(f, "caption", "caption_clip@1:" + model);
  ASSERT_EQ(caps.size(), 1u);
  EXPECT_EQ(caps[0]["value_text"].get<std::string>().back(), '.');
  // Metadata keywords and description untouched; no competing caption.
  json fx = Facts(sb, xmp);
  EXPECT_EQ(OfSource(fx, "tag", "xmp_keywords@1").size(), 4u);
  EXPECT_EQ(OfSource(fx, "caption", "xmp_description@1").size(), 1u);
  EXPECT_TRUE(OfSource(fx, "caption", "caption_clip@1:" + model).empty());
  EXPECT_EQ(OfSource(fx, "tag", source).size(), 3u);

  // Second run: label embeddings come from the cache; tags replaced, not doubled.
  auto second = sb.Run({"facts", "extract", "--tags", photo, "--json"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  json s2 = ParseJson(second);
  EXPECT_TRUE(s2["label_cache_hit"]);
  EXPECT_EQ(s2["label_cache"], cache);
  EXPECT_EQ(OfSource(Facts(sb, photo), "tag", source).size(), 3u);

  // top_k 1: exactly one tag each.
  WriteConfig(sb, "embed:\n  model: " + model + "\nfacts:\n  tag_threshold: 0\n  tag_top_k: 1\n");
  auto one = sb.Run({"facts", "extract", "--tags", photo, "--json"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(ParseJson(one)["tags"], 1);
  EXPECT_EQ(OfSource(Facts(sb, photo), "tag", source).size(), 1u);

  // facts rm on the new sources.
  auto rm = sb.Run({"facts", "rm", "--source", source, "--json"});
  ASSERT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_EQ(ParseJson(rm)["removed"], 1 + 3 * (n - 1));
  fx = Facts(sb, xmp);
  EXPECT_TRUE(OfSource(fx, "tag", source).empty());
  EXPECT_EQ(OfSource(fx, "tag", "xmp_keywords@1").size(), 4u);
  auto rmc = sb.Run({"facts", "rm", "--source", "caption_clip@1:" + model, "--json"});
  EXPECT_EQ(ParseJson(rmc)["removed"], n - 2);
}

// The tiny random-weight DETR (../shared/testdata/detr-tiny, issue 10): what it detects means
// nothing, the plumbing is what is tested — well-formed object facts with boxes under the
// detector's own source, replaced (not doubled) on a re-run, other sources untouched,
// searchable, shown by --debug, and kept when the detector goes missing.
TEST(FactsDetrTest, ObjectFactsFromTheDetector) {
  CliSandbox sb("facts_detr");
  const std::string lib = sb.dir() + "/lib";
  CopyCorpus(lib);
  ASSERT_EQ(sb.Run({"collection", "add", lib, "--name", "lib"}).exit_code, 0);
  ASSERT_EQ(sb.Run({"update"}).exit_code, 0);
  const std::string photo = lib + "/photos/photo-03.png";
  {
    auto db = Database::Open(sb.db_path());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec(
        "INSERT INTO facts(asset_id, fact_type, key, value_text, value_json, confidence, source, "
        "created_at, updated_at) SELECT id, 'object', 'cup', 'cup', NULL, 0.9, 'legacy', "
        "'2024-01-01T00:00:00', '2024-01-01T00:00:00' FROM assets WHERE rel_path = 'photos/photo-03.png'").ok());
  }
  const std::string model = std::string(QIMG_TESTDATA_DIR) + "/detr-tiny";
  const std::string source = "object_detector:" + model + ":cpu";
  WriteConfig(sb, "objects:\n  model: " + model + "\n");
  auto r = sb.Run({"facts", "extract", "--objects", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json s = ParseJson(r);
  EXPECT_TRUE(s["object_runtime_available"]);
  EXPECT_EQ(s["object_skipped_unavailable"], 0);
  EXPECT_EQ(s["errors"], 0) << s.dump();
  EXPECT_EQ(s["processed"], static_cast<int>(kFiles.size()));
  EXPECT_EQ(s["sources"]["objects"], source);

  int total = 0;
  std::string label, labelled_path;
  for (const auto& rel : kFiles) {
    SCOPED_TRACE(rel);
    auto objects = OfSource(Facts(sb, lib + "/" + rel), "object", source);
    EXPECT_LE(objects.size(), 12u);
    std::set<std::string> seen;
    double last = 2.0;
    for (const auto& o : objects) {
      const std::string key = o["key"];
      EXPECT_EQ(o["value_text"], key);
      EXPECT_TRUE(seen.insert(key).second) << "one fact per label";
      for (char c : key) EXPECT_FALSE(c >= 'A' && c <= 'Z') << key;
      const double conf = o["confidence"];
      EXPECT_GT(conf, 0.3);
      EXPECT_LE(conf, 1.0);
      EXPECT_LE(conf, last) << "score order";
      last = conf;
      json v = json::parse(o["value_json"].get<std::string>());
      ASSERT_TRUE(v["bbox_xyxy"].is_array());
      ASSERT_EQ(v["bbox_xyxy"].size(), 4u);
      EXPECT_LT(v["bbox_xyxy"][0].get<double>(), v["bbox_xyxy"][2].get<double>());
      EXPECT_LT(v["bbox_xyxy"][1].get<double>(), v["bbox_xyxy"][3].get<double>());
      if (label.empty() && key != "n/a") {
        label = key;
        labelled_path = lib + "/" + rel;
      }
    }
    total += static_cast<int>(objects.size());
  }
  EXPECT_EQ(s["objects"], total);
  ASSERT_GT(total, 0);
  ASSERT_FALSE(label.empty());
  EXPECT_EQ(OfSource(Facts(sb, photo), "object", "legacy").size(), 1u);

  // A re-run replaces the detector's facts; the legacy one stays.
  const size_t before = OfSource(Facts(sb, photo), "object", source).size();
  ASSERT_EQ(sb.Run({"facts", "extract", "--objects", photo}).exit_code, 0);
  EXPECT_EQ(OfSource(Facts(sb, photo), "object", source).size(), before);
  EXPECT_EQ(OfSource(Facts(sb, photo), "object", "legacy").size(), 1u);

  // Searchable through the facts column, listed in results and in --debug.
  auto found = sb.Run({"search", label, "--json"});
  ASSERT_EQ(found.exit_code, 0) << found.err;
  bool hit = false;
  for (const auto& row : ParseJson(found)) {
    if (row["path"] != labelled_path) continue;
    for (const auto& o : row["facts"]["objects"]) hit = hit || o["label"] == label;
  }
  EXPECT_TRUE(hit) << found.out;
  auto debug = sb.Run({"search", label, "--debug"});
  ASSERT_EQ(debug.exit_code, 0) << debug.err;
  EXPECT_NE(debug.out.find("Objects: "), std::string::npos) << debug.out;
  EXPECT_NE(debug.out.find(label), std::string::npos);

  // The detector goes missing: reported, nothing deleted.
  WriteConfig(sb, "objects:\n  model: " + sb.dir() + "/no-such-detector\n");
  auto missing = sb.Run({"facts", "extract", "--objects", "--json"});
  ASSERT_EQ(missing.exit_code, 0) << missing.err;
  json m = ParseJson(missing);
  EXPECT_FALSE(m["object_runtime_available"]);
  EXPECT_EQ(m["object_skipped_unavailable"], static_cast<int>(kFiles.size()));
  EXPECT_TRUE(m["sources"]["objects"].is_null());
  EXPECT_NE(m["messages"]["objects"].get<std::string>().find("kept"), std::string::npos);
  EXPECT_EQ(OfSource(Facts(sb, photo), "object", source).size(), before);
}

}  // namespace
}  // namespace qimg::testing
