// End-to-end: the OCR vector channel (issue 5) and the cross-encoder reranker (issue 7) through
// the real binary. xlmr-tiny is installed with `qimg models import` under the default text-model
// name (so the "bge" name rule gives CLS pooling, as for BGE-M3); its random weights make the
// scores meaningless, but embedding, incremental re-runs, the vsearch channel and the reranker
// wiring are real. The reranker folder is xlmr-tiny plus a classification head written here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nn/cross_encoder.h"
#include "nn/safetensors_writer.h"
#include "store/database.h"
#include "store/fact_store.h"
#include "store/lexical_store.h"
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

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TextVectorE2e : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sb_ = new CliSandbox("textvec");
    const std::string lib = sb_->dir() + "/lib";
    fs::create_directories(lib);
    for (const char* name : {"ocr-01.png", "ocr-02.png", "ocr-03.png", "ocr-04.png"})
      fs::copy_file(CorpusDir() + "/ocr/" + name, lib + "/" + name);
    config_ = sb_->dir() + "/qimg.yml";
    std::ofstream(config_) << "embed:\n  model: " << TestdataDir() << "/clip-tiny/model\n";
    Must({"models", "import", TestdataDir() + "/xlmr-tiny", "--text", "--name",
          "qimg-text-encoder-bge-m3"});
    Must({"collection", "add", lib, "--name", "docs"});
    Must({"update"});
    auto db = Database::Open(sb_->db_path());
    ASSERT_TRUE(db.ok()) << db.status().message();
    const char* texts[] = {"invoice total due payment 4289", "meeting notes for the budget review",
                           "boarding pass gate 12 seat 4A"};
    for (int i = 0; i < 3; ++i) {
      ids_.push_back(IdOfRel(db->get(), "ocr-0" + std::to_string(i + 1) + ".png"));
      AddOcr(db->get(), ids_.back(), texts[i]);
    }
    ASSERT_TRUE(RefreshLexical(db->get(), ids_).ok());
  }
  static void TearDownTestSuite() { delete sb_; }

  static void AddOcr(Database* db, const std::string& id, const std::string& text) {
    FactRow ocr;
    ocr.asset_id = id;
    ocr.fact_type = "ocr";
    ocr.value_text = text;
    ocr.source = "test_ocr@1.0";
    ASSERT_TRUE(InsertFact(db, ocr).ok());
  }
  static std::string IdOfRel(Database* db, const std::string& rel) {
    auto st = db->Prepare("SELECT id FROM assets WHERE rel_path = ?1");
    EXPECT_TRUE(st.ok());
    st->Bind(1, rel);
    auto row = st->Step();
    EXPECT_TRUE(row.ok() && *row) << rel;
    return st->ColumnText(0);
  }
  static CliResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config_});
    return sb_->Run(args);
  }
  static void Must(const std::vector<std::string>& args) {
    auto r = Run(args);
    ASSERT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
  }

  static CliSandbox* sb_;
  static std::string config_;
  static std::vector<std::string> ids_;
};
CliSandbox* TextVectorE2e::sb_ = nullptr;
std::string TextVectorE2e::config_;
std::vector<std::string> TextVectorE2e::ids_;

TEST_F(TextVectorE2e, OcrChannelEmbedsIncrementallyAndScoresInVsearch) {
  auto first = Run({"embed", "--ocr-text", "--json"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ojson j = Json(first);
  EXPECT_EQ(j["include_ocr_text"], true);
  EXPECT_EQ(j["embedded_ocr_text"], 3);
  // Nothing changed: nothing is re-embedded.
  j = Json(Run({"embed", "--ocr-text", "--json"}));
  EXPECT_EQ(j["embedded_ocr_text"], 0);
  // A new OCR text for one asset changes its document's hash: only that one is re-embedded.
  {
    auto db = Database::Open(sb_->db_path());
    ASSERT_TRUE(db.ok());
    AddOcr(db->get(), ids_[2], "second page: baggage claim");
  }
  j = Json(Run({"embed", "--ocr-text", "--json"}));
  EXPECT_EQ(j["embedded_ocr_text"], 1);

  auto vs = Run({"vsearch", "invoice total", "--json", "--min-score", "0"});
  ASSERT_EQ(vs.exit_code, 0) << vs.err;
  ojson results = Json(vs);
  ASSERT_TRUE(results.is_array());
  int with_ocr = 0;
  for (const auto& r : results) {
    const auto& s = r["scores"]["vector_ocr"];
    if (s.is_number()) {
      ++with_ocr;
      EXPECT_GE(s.get<double>(), 0.0);
      EXPECT_LE(s.get<double>(), 1.0);
    }
  }
  EXPECT_EQ(with_ocr, 3) << vs.out;
}

TEST_F(TextVectorE2e, CrossEncoderRerankerScoresQueryCandidatePairs) {
  // The reranker folder: xlmr-tiny's files, a sequence-classification config and a head.
  const std::string dir = sb_->dir() + "/reranker";
  fs::create_directories(dir);
  for (const char* f :
       {"sentencepiece.bpe.model", "tokenizer_config.json", "special_tokens_map.json"})
    fs::copy_file(TestdataDir() + "/xlmr-tiny/" + f, dir + "/" + f);
  auto config = nlohmann::json::parse(ReadAll(TestdataDir() + "/xlmr-tiny/config.json"));
  config["architectures"] = {"XLMRobertaForSequenceClassification"};
  config["num_labels"] = 1;
  std::ofstream(dir + "/config.json") << config.dump();
  auto base = nn::SafetensorsFile::Open(TestdataDir() + "/xlmr-tiny/model.safetensors");
  ASSERT_TRUE(base.ok());
  std::vector<nn::TensorToWrite> tensors;
  for (const auto& t : (*base)->tensors()) {
    auto v = (*base)->ReadFloat(t.name, t.shape);
    ASSERT_TRUE(v.ok());
    tensors.push_back(nn::F32Tensor("roberta." + t.name, t.shape, *v));
  }
  const int d = 48;
  std::vector<float> dense(static_cast<size_t>(d) * d), out(d);
  for (int i = 0; i < d; ++i) {
    dense[static_cast<size_t>(i) * d + i] = 0.7f;
    out[static_cast<size_t>(i)] = i % 2 ? 0.4f : -0.3f;
  }
  tensors.push_back(nn::F32Tensor("classifier.dense.weight", {d, d}, dense));
  tensors.push_back(nn::F32Tensor("classifier.dense.bias", {d}, std::vector<float>(d, 0.05f)));
  tensors.push_back(nn::F32Tensor("classifier.out_proj.weight", {1, d}, out));
  tensors.push_back(nn::F32Tensor("classifier.out_proj.bias", {1}, {0.1f}));
  std::ofstream(dir + "/model.safetensors", std::ios::binary) << nn::SerializeSafetensors(tensors);
  std::ofstream(config_, std::ios::app) << "search:\n  reranker_model: " << dir << "\n";

  auto q = Run({"query", "invoice total", "--rerank", "--json", "-c", "docs"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  ojson results = Json(q);
  ASSERT_TRUE(results.is_array());
  ASSERT_FALSE(results.empty());
  // The expected score of each candidate: the same pair through the engine's CrossEncoder, on
  // the text the reranker is documented to use (contexts, newline, facts).
  auto ce = nn::CrossEncoder::Load(dir);
  ASSERT_TRUE(ce.ok()) << ce.status().ToString();
  auto db = Database::Open(sb_->db_path());
  ASSERT_TRUE(db.ok());
  int checked = 0;
  for (const auto& r : results) {
    auto st = (*db)->Prepare(
        "SELECT context_only_text, facts_only_text FROM lexical_docs WHERE asset_id = ?1");
    ASSERT_TRUE(st.ok());
    st->Bind(1, r["id"].get<std::string>());
    auto row = st->Step();
    ASSERT_TRUE(row.ok());
    auto trim = [](std::string s) {
      while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
      size_t i = 0;
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      return s.substr(i);
    };
    std::string text = *row ? trim(trim(st->ColumnText(0)) + "\n" + trim(st->ColumnText(1))) : "";
    ASSERT_TRUE(r["scores"]["rerank"].is_number()) << r.dump();
    const double got = r["scores"]["rerank"].get<double>();
    if (text.empty()) {
      EXPECT_EQ(got, 0.0);
      continue;
    }
    auto want = (*ce)->Score("invoice total", {text});
    ASSERT_TRUE(want.ok());
    EXPECT_NEAR(got, (*want)[0], 1e-6) << text;
    ++checked;
  }
  EXPECT_GE(checked, 1);
  // A configured but missing reranker is a clear error, not a silent fallback.
  std::ofstream(config_, std::ios::trunc)
      << "embed:\n  model: " << TestdataDir()
      << "/clip-tiny/model\nsearch:\n  reranker_model: no-such-reranker\n";
  auto missing = Run({"query", "invoice total", "--rerank", "--json"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("no-such-reranker"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace qimg::testing
