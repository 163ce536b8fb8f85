// End-to-end tests of `qimg query` (issue 7) through the real binary: output shape (SPEC §14
// test_query_output_schema), expansion that finds a car-tagged image for "automobile", the OCR
// case of test_ocr_vector_search, filters on every list, -n beyond rerank_candidates, min-score
// once, --debug explanations, usage errors. Most tests run without an image model (the image
// channel is skipped and noted); one configures the tiny random CLIP to exercise the prompt
// ensemble, whose scores mean nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "store/database.h"
#include "store/fact_store.h"
#include "store/lexical_store.h"
#include "tests/e2e/cli_runner.h"

namespace qimg::testing {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

class QueryE2e : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sb_ = new CliSandbox("query");
    lib_ = sb_->dir() + "/lib";
    fs::create_directories(lib_ + "/photos/street");
    fs::create_directories(lib_ + "/docs");
    for (const auto& e : fs::directory_iterator(CorpusDir() + "/photos")) {
      std::string name = e.path().filename().string();
      std::string dst = name == "photo-15.jpg" ? lib_ + "/photos/street/" + name : lib_ + "/photos/" + name;
      fs::copy_file(e.path(), dst);
    }
    for (const auto& e : fs::directory_iterator(CorpusDir() + "/ocr"))
      fs::copy_file(e.path(), lib_ + "/docs/" + e.path().filename().string());
    tiny_config_ = sb_->dir() + "/tiny.yml";
    std::ofstream(tiny_config_) << "embed:\n  model: " << TestdataDir() << "/clip-tiny/model\n"
                                << "  batch_size: 8\n";
    Must({"collection", "add", lib_ + "/photos", "--name", "photos"});
    Must({"collection", "add", lib_ + "/docs", "--name", "docs"});
    Must({"update"});
    Must({"context", "add", "qimg://photos", "holiday album"});
    Must({"context", "add", "qimg://docs", "holiday album scans"});
    Must({"context", "add", "qimg://photos/street", "street scenes"});
    // No `facts add` command: a tag and an OCR text through the store API, then the lexical
    // docs refreshed exactly as the engine does.
    auto db = Database::Open(sb_->db_path());
    ASSERT_TRUE(db.ok()) << db.status().message();
    car_id_ = IdOfRel(db->get(), "street/photo-15.jpg");
    invoice_id_ = IdOfRel(db->get(), "ocr-13.png");
    FactRow tag;
    tag.asset_id = car_id_;
    tag.fact_type = "tag";
    tag.value_text = "car";
    tag.confidence = 0.8;
    tag.source = "test_fixture@1";
    ASSERT_TRUE(InsertFact(db->get(), tag).ok());
    FactRow ocr;
    ocr.asset_id = invoice_id_;
    ocr.fact_type = "ocr";
    ocr.value_text = "invoice total due payment 4289";
    ocr.source = "test_ocr@1.0";
    ASSERT_TRUE(InsertFact(db->get(), ocr).ok());
    ASSERT_TRUE(RefreshLexical(db->get(), {car_id_, invoice_id_}).ok());
  }
  static void TearDownTestSuite() { delete sb_; }

  static std::string IdOfRel(Database* db, const std::string& rel) {
    auto st = db->Prepare("SELECT id FROM assets WHERE rel_path = ?1");
    EXPECT_TRUE(st.ok());
    st->Bind(1, rel);
    auto row = st->Step();
    EXPECT_TRUE(row.ok() && *row) << rel;
    return st->ColumnText(0);
  }
  static void Must(const std::vector<std::string>& args) {
    auto r = sb_->Run(args);
    ASSERT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
  }
  static CliResult Query(std::vector<std::string> args) {
    args.insert(args.begin(), "query");
    return sb_->Run(args);
  }
  static ojson QueryJson(std::vector<std::string> args) {
    args.push_back("--json");
    auto r = Query(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    ojson j = ojson::parse(r.out, nullptr, false);
    EXPECT_TRUE(j.is_array()) << r.out << r.err;
    return j.is_array() ? j : ojson::array();
  }

  static CliSandbox* sb_;
  static std::string lib_, tiny_config_, car_id_, invoice_id_;
};
CliSandbox* QueryE2e::sb_ = nullptr;
std::string QueryE2e::lib_, QueryE2e::tiny_config_, QueryE2e::car_id_, QueryE2e::invoice_id_;

TEST_F(QueryE2e, OutputSchema) {
  ojson r = QueryJson({"street", "-n", "3"});
  ASSERT_FALSE(r.empty());
  const ojson& row = r[0];
  for (const char* k : {"id", "path", "rel_path", "collection", "metadata", "contexts", "facts", "scores"})
    EXPECT_TRUE(row.contains(k)) << k;
  ASSERT_FALSE(row["contexts"].empty());
  for (const auto& c : row["contexts"]) {
    EXPECT_TRUE(c.contains("virtual_path"));
    EXPECT_TRUE(c.contains("text"));
  }
  for (const char* k : {"caption", "tags", "objects", "ocr", "exif", "derived"}) EXPECT_TRUE(row["facts"].contains(k)) << k;
  for (const char* k : {"overall", "rrf", "lexical_total", "lexical_namefolder", "lexical_context", "lexical_facts",
                        "lexical_ocr", "vector", "vector_image", "vector_ocr", "rerank", "contributions"})
    EXPECT_TRUE(row["scores"].contains(k)) << k;
  EXPECT_EQ(row["id"], car_id_);
  EXPECT_TRUE(row["scores"]["rrf"].is_number());
  EXPECT_GT(row["scores"]["lexical_context"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(row["scores"]["overall"].get<double>(), 1.0);  // reranker off: relative
  EXPECT_TRUE(row["scores"]["rerank"].is_null());
  // --files and human output work too.
  auto files = Query({"street", "--files"});
  EXPECT_EQ(files.exit_code, 0);
  EXPECT_NE(files.out.find(car_id_ + "\t"), std::string::npos);
  auto human = Query({"street"});
  EXPECT_EQ(human.exit_code, 0);
  EXPECT_NE(human.out.find("1. " + car_id_), std::string::npos) << human.out;
}

TEST_F(QueryE2e, SynonymFindsTheCarTaggedImage) {
  ojson r = QueryJson({"automobile", "-n", "5"});
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0]["id"], car_id_);
  EXPECT_GT(r[0]["scores"]["lexical_facts"].get<double>(), 0.0);
  // Without expansion nothing in the library says "automobile".
  ojson none = QueryJson({"automobile", "--expansion", "none"});
  for (const auto& x : none) EXPECT_NE(x["id"], car_id_);
  // The original's fixed-word templates add no meaning either.
  ojson orig = QueryJson({"automobile", "--expansion", "original", "--rank-bonus", "original"});
  for (const auto& x : orig) EXPECT_NE(x["id"], car_id_);
  // --debug names the sub-queries and each result's list contributions on stderr.
  auto dbg = Query({"automobile", "--debug"});
  ASSERT_EQ(dbg.exit_code, 0) << dbg.err;
  EXPECT_NE(dbg.err.find("lexical sub-query 'car'"), std::string::npos) << dbg.err;
  EXPECT_NE(dbg.err.find("image prompt 'a photo of automobile.'"), std::string::npos) << dbg.err;
  EXPECT_NE(dbg.err.find(car_id_ + " rrf = #"), std::string::npos) << dbg.err;
  EXPECT_NE(dbg.out.find("Debug: overall="), std::string::npos);
}

// SPEC §14 test_ocr_vector_search, query half. No text model is installed in this sandbox, so
// the OCR-lexical channel and the FTS facts column answer (the OCR vector channel with a real
// text encoder is e2e_text_vector_test).
TEST_F(QueryE2e, OcrTextIsTheTopHit) {
  ojson r = QueryJson({"invoice payment due", "-n", "5"});
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0]["id"], invoice_id_);
  EXPECT_GT(r[0]["scores"]["lexical_ocr"].get<double>(), 0.0);
  EXPECT_GE(r[0]["scores"]["overall"].get<double>(), 0.8);
  auto contributions = r[0]["scores"]["contributions"];
  EXPECT_NE(std::find(contributions.begin(), contributions.end(), "lexical:ocr"), contributions.end());
}

TEST_F(QueryE2e, FiltersRestrictEveryList) {
  ojson docs = QueryJson({"holiday", "--all", "-c", "docs"});
  ASSERT_EQ(docs.size(), 16u);
  for (const auto& x : docs) EXPECT_EQ(x["collection"], "docs");
  ojson none = QueryJson({"automobile", "-c", "docs"});
  for (const auto& x : none) EXPECT_NE(x["id"], car_id_);
  ojson prefix = QueryJson({"holiday", "--all", "--path-prefix", "street/"});
  ASSERT_EQ(prefix.size(), 1u);
  EXPECT_EQ(prefix[0]["id"], car_id_);
  ojson ocr = QueryJson({"invoice payment due", "-c", "photos"});
  for (const auto& x : ocr) EXPECT_NE(x["id"], invoice_id_);
  ojson wide = QueryJson({"holiday", "--all", "--min-width", "100000"});
  EXPECT_TRUE(wide.empty());
}

TEST_F(QueryE2e, CountBeyondRerankCandidatesAndMinScoreOnce) {
  ojson r = QueryJson({"holiday album", "-n", "40"});
  EXPECT_EQ(r.size(), 40u);  // the original stopped at rerank_candidates (30)
  ojson reranked = QueryJson({"holiday album", "-n", "40", "--rerank"});
  ASSERT_EQ(reranked.size(), 40u);
  int with_rerank = 0;
  for (const auto& x : reranked) with_rerank += x["scores"]["rerank"].is_number();
  EXPECT_EQ(with_rerank, 30);
  ojson all = QueryJson({"holiday", "--all"});
  EXPECT_EQ(all.size(), 45u);
  ojson cut = QueryJson({"holiday", "--all", "--min-score", "0.75"});
  ASSERT_FALSE(cut.empty());
  EXPECT_LT(cut.size(), all.size());
  for (const auto& x : cut) EXPECT_GE(x["scores"]["overall"].get<double>(), 0.75);
}

TEST_F(QueryE2e, UsageErrors) {
  EXPECT_EQ(Query({"!!!"}).exit_code, 2);
  EXPECT_EQ(Query({"   "}).exit_code, 2);
  EXPECT_EQ(Query({"cat", "--expansion", "llm"}).exit_code, 2);
  EXPECT_EQ(Query({"cat", "-n", "0"}).exit_code, 2);
  EXPECT_EQ(Query({"cat", "--after", "yesterday"}).exit_code, 2);
  EXPECT_EQ(Query({"cat", "--rerank", "--no-rerank"}).exit_code, 2);
}

TEST_F(QueryE2e, ImageChannelWithTheTinyModel) {
  auto e = sb_->Run({"--config", tiny_config_, "embed", "--images", "--json"});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  auto r = sb_->Run({"--config", tiny_config_, "query", "automobile", "-n", "50", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ojson j = ojson::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_array());
  int image = 0;
  bool car = false;
  for (const auto& x : j) {
    image += x["scores"]["vector_image"].is_number();
    car |= x["id"] == car_id_;
  }
  EXPECT_GT(image, 0);  // the prompt-ensemble image list fused in (random weights: noise)
  EXPECT_TRUE(car);     // the synonym list still holds the car
}

}  // namespace
}  // namespace qimg::testing
