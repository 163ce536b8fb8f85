// LoadTextEncoder on bert-tiny: long texts in windows averaged and renormalised, the bge query
// instruction, empty texts, and the errors for a missing or non-BERT model.
#include "app/text_encoder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nn/text_embedder.h"

namespace qimg {
namespace {

namespace fs = std::filesystem;

std::string Testdata(const std::string& name) {
  return std::string(QIMG_TESTDATA_DIR) + "/" + name;
}

std::vector<float> Unit(const float* v, int n) {
  double sq = 0;
  for (int i = 0; i < n; ++i) sq += static_cast<double>(v[i]) * v[i];
  std::vector<float> out(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    out[static_cast<size_t>(i)] = static_cast<float>(v[i] / std::sqrt(sq));
  return out;
}

float MaxDiff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = a.size() == b.size() ? 0.0f : 1e9f;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

class TextEncoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (fs::temp_directory_path() / ("qimg_app_text_" + std::to_string(::getpid()))).string();
    fs::remove_all(root_);
    // "bge" and no "m3" in the name: CLS pooling and the query instruction (SPEC §8.2).
    dir_ = root_ + "/bge-small-test";
    fs::create_directories(dir_);
    for (const auto& e : fs::directory_iterator(Testdata("bert-tiny"))) {
      if (e.path().filename() == "golden.json" || e.path().filename() == "README.md") continue;
      fs::copy_file(e.path(), fs::path(dir_) / e.path().filename());
    }
    config_.models_dir = root_ + "/models";
    config_.embed.text_model = dir_;
  }
  void TearDown() override { fs::remove_all(root_); }

  std::vector<float> Cls(const std::vector<std::vector<int32_t>>& rows) {
    nn::TextEmbedderOptions o;
    o.pooling_set = true;
    o.pooling = nn::Pooling::kCls;
    auto e = nn::TextEmbedder::Load(dir_, o);
    EXPECT_TRUE(e.ok());
    auto emb = (*e)->EncodeIds(rows);
    EXPECT_TRUE(emb.ok());
    std::vector<double> sum(static_cast<size_t>(emb->dim), 0.0);
    for (int r = 0; r < emb->rows; ++r) {
      auto u = Unit(emb->row(r), emb->dim);
      for (int i = 0; i < emb->dim; ++i) sum[static_cast<size_t>(i)] += u[static_cast<size_t>(i)];
    }
    std::vector<float> f(sum.begin(), sum.end());
    return Unit(f.data(), emb->dim);
  }

  std::string root_, dir_;
  Config config_;
};

TEST_F(TextEncoderTest, LongTextIsWindowedAveragedAndRenormalised) {
  auto enc = LoadTextEncoder(config_);
  ASSERT_TRUE(enc.ok()) << enc.status().ToString();
  EXPECT_EQ((*enc)->model_id(), dir_ + ":d64");
  EXPECT_EQ((*enc)->dim(), 64);
  std::ifstream in(Testdata("bert-tiny/golden.json"));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string long_text;
  const nlohmann::json golden = nlohmann::json::parse(ss.str());
  for (const auto& c : golden["tokenization"]["cases"]) {
    if (c["name"] == "long_512") long_text = c["text"].get<std::string>();  // 780 pieces
  }
  ASSERT_FALSE(long_text.empty());
  auto v = (*enc)->EncodeDocuments({long_text, "  ", "  short text\n"});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->size(), 3u);

  auto tok = nn::TextTokenizer::LoadFromDir(dir_, nn::BertFamily::kBert, 512);
  ASSERT_TRUE(tok.ok());
  auto content = (*tok)->EncodeContent(long_text);
  ASSERT_GT(content.size(), 510u);
  ASSERT_LE(content.size(), 1020u);
  std::vector<int32_t> w1 = {101}, w2 = {101};
  w1.insert(w1.end(), content.begin(), content.begin() + 510);
  w2.insert(w2.end(), content.begin() + 510, content.end());
  w1.push_back(102);
  w2.push_back(102);
  EXPECT_LE(MaxDiff((*v)[0], Cls({w1, w2})), 1e-6f);
  EXPECT_EQ((*v)[1], std::vector<float>(64, 0.0f));  // empty after trimming: zero vector
  EXPECT_LE(MaxDiff((*v)[2], Cls({(*tok)->Encode("short text").ids})), 1e-6f);
}

TEST_F(TextEncoderTest, BgeQueriesGetTheInstructionOnce) {
  auto enc = LoadTextEncoder(config_);
  ASSERT_TRUE(enc.ok());
  auto tok = nn::TextTokenizer::LoadFromDir(dir_, nn::BertFamily::kBert, 512);
  ASSERT_TRUE(tok.ok());
  const std::string instruction = "Represent this sentence for searching relevant passages: ";
  auto q = (*enc)->EncodeQueries({"red car", instruction + "red car"});
  ASSERT_TRUE(q.ok());
  // The instruction's pieces come first, then the query's (tokenized separately, which for
  // WordPiece equals tokenizing the concatenation: the instruction ends with a space).
  const auto want = Cls({(*tok)->Encode(instruction + "red car").ids});
  EXPECT_LE(MaxDiff((*q)[0], want), 1e-6f);
  EXPECT_LE(MaxDiff((*q)[1], want), 1e-6f);
  auto d = (*enc)->EncodeDocuments({"red car"});  // documents: no instruction
  ASSERT_TRUE(d.ok());
  EXPECT_LE(MaxDiff((*d)[0], Cls({(*tok)->Encode("red car").ids})), 1e-6f);
}

TEST_F(TextEncoderTest, MissingOrWrongModelsAreUnavailable) {
  config_.embed.text_model = "qimg-text-encoder-bge-m3";
  auto missing = LoadTextEncoder(config_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(missing.status().message().find("qimg models download qimg-text-encoder-bge-m3"),
            std::string::npos)
      << missing.status().message();
  config_.embed.text_model = Testdata("clip-tiny/model");
  auto clip = LoadTextEncoder(config_);
  ASSERT_FALSE(clip.ok());
  EXPECT_NE(clip.status().message().find("not a BERT"), std::string::npos);
  config_.search.reranker_model = "";
  EXPECT_FALSE(LoadRerankerModel(config_).ok());
}

}  // namespace
}  // namespace qimg
