// BertModel / TextEmbedder / CrossEncoder beyond the golden numbers: real-checkpoint packaging
// variants, config errors, pooling rules, pair encoding and the sequence-classification head.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "nn/bert_model.h"
#include "nn/cross_encoder.h"
#include "nn/safetensors_writer.h"
#include "nn/test_util.h"
#include "nn/text_embedder.h"

namespace qimg::nn {
namespace {

namespace fs = std::filesystem;
using testing::MaxAbsDiff;

std::string Testdata(const std::string& name) {
  return std::string(QIMG_TESTDATA_DIR) + "/" + name;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh temporary folder holding a copy of a golden model's files.
class ModelCopy {
 public:
  explicit ModelCopy(const std::string& golden, const std::string& name) {
    dir_ = (fs::temp_directory_path() / ("qimg_text_" + name + "_" + std::to_string(::getpid())))
               .string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (const auto& e : fs::directory_iterator(Testdata(golden))) {
      if (e.path().filename() == "golden.json" || e.path().filename() == "README.md") continue;
      fs::copy_file(e.path(), fs::path(dir_) / e.path().filename());
      fs::permissions(fs::path(dir_) / e.path().filename(),
                      fs::perms::owner_read | fs::perms::owner_write);
    }
  }
  ~ModelCopy() { fs::remove_all(dir_); }
  const std::string& dir() const { return dir_; }
  void Write(const std::string& file, const std::string& bytes) const {
    std::ofstream(fs::path(dir_) / file, std::ios::binary) << bytes;
  }

 private:
  std::string dir_;
};

// Every tensor of a checkpoint, renamed by `rename`, optionally stored as F16/BF16.
std::vector<TensorToWrite> Repack(const SafetensorsFile& f,
                                  const std::function<std::string(const std::string&)>& rename,
                                  int half = 0) {
  std::vector<TensorToWrite> out;
  for (const TensorInfo& t : f.tensors()) {
    auto values = f.ReadFloat(t.name, t.shape);
    EXPECT_TRUE(values.ok());
    out.push_back(half ? HalfTensor(rename(t.name), t.shape, *values, half == 2)
                       : F32Tensor(rename(t.name), t.shape, *values));
  }
  return out;
}

std::vector<float> EncodeOne(const std::string& dir, const std::string& text) {
  TextEmbedderOptions o;
  o.pooling_set = true;
  o.pooling = Pooling::kMean;
  auto e = TextEmbedder::Load(dir, o);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  if (!e.ok()) return {};
  auto v = (*e)->Encode({text});
  EXPECT_TRUE(v.ok());
  return v->values;
}

TEST(TextModelTest, AcceptsPrefixedGammaBetaCheckpointWithPositionIds) {
  ModelCopy copy("bert-tiny", "variant");
  auto orig = SafetensorsFile::Open(Testdata("bert-tiny/model.safetensors"));
  ASSERT_TRUE(orig.ok());
  auto tensors = Repack(**orig, [](const std::string& n) {
    std::string s = "bert." + n;
    auto pos = s.find("LayerNorm.weight");
    if (pos != std::string::npos) s.replace(pos, 16, "LayerNorm.gamma");
    pos = s.find("LayerNorm.bias");
    if (pos != std::string::npos) s.replace(pos, 14, "LayerNorm.beta");
    return s;
  });
  TensorToWrite ids{
      "bert.embeddings.position_ids", DType::kI64, {1, 512}, std::string(512 * 8, '\0')};
  tensors.push_back(ids);
  copy.Write("model.safetensors", SerializeSafetensors(tensors));
  const std::string text = "Crème brûlée at the café";
  auto want = EncodeOne(Testdata("bert-tiny"), text);
  auto got = EncodeOne(copy.dir(), text);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(MaxAbsDiff(got.data(), want.data(), want.size()), 0.0f);
}

TEST(TextModelTest, HalfPrecisionCheckpointsStayClose) {
  for (int half : {1, 2}) {
    ModelCopy copy("xlmr-tiny", half == 1 ? "f16" : "bf16");
    auto orig = SafetensorsFile::Open(Testdata("xlmr-tiny/model.safetensors"));
    ASSERT_TRUE(orig.ok());
    copy.Write("model.safetensors",
               SerializeSafetensors(Repack(
                   **orig, [](const std::string& n) { return "roberta." + n; }, half)));
    const std::string text = "The quick brown fox jumps over the lazy dog.";
    auto want = EncodeOne(Testdata("xlmr-tiny"), text);
    auto got = EncodeOne(copy.dir(), text);
    ASSERT_EQ(got.size(), want.size());
    EXPECT_GT(testing::Cosine(got.data(), want.data(), want.size()), 0.99) << half;
  }
}

TEST(TextModelTest, ConfigErrorsAreClear) {
  EXPECT_FALSE(ParseBertConfig("{").ok());
  auto gpt = ParseBertConfig(R"({"model_type": "gpt2"})");
  ASSERT_FALSE(gpt.ok());
  EXPECT_NE(gpt.status().ToString().find("gpt2"), std::string::npos);
  EXPECT_FALSE(
      ParseBertConfig(R"({"model_type": "bert", "hidden_size": 10, "num_attention_heads": 3})")
          .ok());
  EXPECT_FALSE(
      ParseBertConfig(R"({"model_type": "bert", "position_embedding_type": "relative_key"})").ok());
  auto xlmr = ParseBertConfig(R"({"model_type": "xlm-roberta", "max_position_embeddings": 8194})");
  ASSERT_TRUE(xlmr.ok());
  EXPECT_EQ(xlmr->max_tokens(), 8192);  // BGE-M3
  EXPECT_EQ(xlmr->pad_token_id, 1);
  auto cls = ParseBertConfig(
      R"({"model_type": "xlm-roberta", "architectures": ["XLMRobertaForSequenceClassification"], "id2label": {"0": "LABEL_0"}})");
  ASSERT_TRUE(cls.ok());
  EXPECT_EQ(cls->head, BertHead::kSequenceClassification);
  EXPECT_EQ(cls->num_labels, 1);
}

TEST(TextModelTest, ForwardRejectsBadIds) {
  auto m = BertModel::Load(Testdata("bert-tiny"));
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE((*m)->Forward({{101, 30522, 102}}).ok());
  EXPECT_FALSE((*m)->Forward({{}}).ok());
  EXPECT_FALSE((*m)->Forward({std::vector<int32_t>(513, 100)}).ok());
  EXPECT_FALSE((*m)->Forward({{101, 102}}, {{0, 2}}).ok());
  EXPECT_FALSE((*m)->ClassifierLogits(*(*m)->Forward({{101, 102}})).ok());
  EXPECT_FALSE(BertModel::Load(Testdata("clip-tiny/model")).ok());
}

TEST(TextModelTest, PoolingFromSentenceTransformersModuleOrName) {
  ModelCopy copy("bert-tiny", "st");
  auto by_name = TextEmbedder::Load(copy.dir());
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ((*by_name)->pooling(), Pooling::kMean);
  EXPECT_EQ((*by_name)->pooling_source(), "name rule");
  fs::create_directories(fs::path(copy.dir()) / "1_Pooling");
  copy.Write(
      "1_Pooling/config.json",
      R"({"word_embedding_dimension": 64, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false})");
  copy.Write(
      "modules.json",
      R"([{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}, {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}])");
  auto st = TextEmbedder::Load(copy.dir());
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ((*st)->pooling(), Pooling::kCls);
  EXPECT_EQ((*st)->pooling_source(), "1_Pooling/config.json");
  copy.Write("1_Pooling/config.json", R"({"pooling_mode_max_tokens": true})");
  EXPECT_FALSE(TextEmbedder::Load(copy.dir()).ok());
}

TEST(TextModelTest, PairEncodingLayouts) {
  auto bert = TextTokenizer::LoadFromDir(Testdata("bert-tiny"), BertFamily::kBert, 512);
  ASSERT_TRUE(bert.ok());
  std::vector<int32_t> types;
  EncodedText p = (*bert)->EncodePair("red car", "a car", &types);
  EXPECT_EQ(p.ids, (std::vector<int32_t>{101, 2417, 2482, 102, 1037, 2482, 102}));
  EXPECT_EQ(types, (std::vector<int32_t>{0, 0, 0, 0, 1, 1, 1}));
  auto xlmr = TextTokenizer::LoadFromDir(Testdata("xlmr-tiny"), BertFamily::kXlmRoberta, 8);
  ASSERT_TRUE(xlmr.ok());
  auto a = (*xlmr)->EncodeContent("hello world");
  auto b = (*xlmr)->EncodeContent("the license");
  p = (*xlmr)->EncodePair("hello world", "the license", &types);
  // <s> A </s></s> B </s>, truncated longest-first to 8 ids.
  std::vector<int32_t> ia = a, ib = b;
  while (ia.size() + ib.size() > 4) (ia.size() > ib.size() ? ia : ib).pop_back();
  std::vector<int32_t> want = {0};
  want.insert(want.end(), ia.begin(), ia.end());
  want.push_back(2);
  want.push_back(2);
  want.insert(want.end(), ib.begin(), ib.end());
  want.push_back(2);
  EXPECT_EQ(p.ids, want);
  EXPECT_EQ(p.ids.size(), 8u);
  EXPECT_TRUE(p.truncated);
  EXPECT_EQ(types, std::vector<int32_t>(8, 0));
  // Literal special tokens are cut out; <mask> swallows the space before it.
  auto m = (*xlmr)->EncodeContent("hello <mask>");
  ASSERT_FALSE(m.empty());
  EXPECT_EQ(m.back(), 2001);
  EXPECT_EQ(std::vector<int32_t>(m.begin(), m.end() - 1), (*xlmr)->EncodeContent("hello"));
}

TEST(TextModelTest, CrossEncoderNeedsClassificationHead) {
  auto c = CrossEncoder::Load(Testdata("bert-tiny"));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().ToString().find("SequenceClassification"), std::string::npos);
}

}  // namespace
}  // namespace qimg::nn

namespace qimg::nn {
namespace {

// A reranker folder built from xlmr-tiny: its encoder under "roberta.", plus a classification
// head with known weights. The score must equal the head computed by hand on the CLS state of
// "<s> query </s></s> text </s>".
TEST(CrossEncoderTest, XlmRobertaHeadMatchesHandArithmetic) {
  ModelCopy copy("xlmr-tiny", "reranker");
  auto orig = SafetensorsFile::Open(Testdata("xlmr-tiny/model.safetensors"));
  ASSERT_TRUE(orig.ok());
  auto tensors = Repack(**orig, [](const std::string& n) { return "roberta." + n; });
  const int d = 48;
  std::vector<float> dense_w(static_cast<size_t>(d) * d, 0.0f), dense_b(d), out_w(d),
      out_b = {0.2f};
  for (int i = 0; i < d; ++i) {
    dense_w[static_cast<size_t>(i) * d + i] = 0.5f;
    dense_w[static_cast<size_t>(i) * d + (i + 1) % d] = -0.25f;
    dense_b[static_cast<size_t>(i)] = 0.01f * static_cast<float>(i % 5);
    out_w[static_cast<size_t>(i)] = 0.3f * static_cast<float>(i % 3 - 1);
  }
  tensors.push_back(F32Tensor("classifier.dense.weight", {d, d}, dense_w));
  tensors.push_back(F32Tensor("classifier.dense.bias", {d}, dense_b));
  tensors.push_back(F32Tensor("classifier.out_proj.weight", {1, d}, out_w));
  tensors.push_back(F32Tensor("classifier.out_proj.bias", {1}, out_b));
  copy.Write("model.safetensors", SerializeSafetensors(tensors));
  auto config = nlohmann::json::parse(ReadAll(Testdata("xlmr-tiny/config.json")));
  config["architectures"] = {"XLMRobertaForSequenceClassification"};
  config["num_labels"] = 1;
  copy.Write("config.json", config.dump());

  auto ce = CrossEncoder::Load(copy.dir());
  ASSERT_TRUE(ce.ok()) << ce.status().ToString();
  const std::string query = "invoice total";
  const std::vector<std::string> texts = {"holiday album scans\ninvoice total due payment 4289",
                                          "street scenes"};
  auto scores = (*ce)->Score(query, texts);
  ASSERT_TRUE(scores.ok()) << scores.status().ToString();
  ASSERT_EQ(scores->size(), 2u);

  auto base = BertModel::Load(Testdata("xlmr-tiny"));
  auto tok = TextTokenizer::LoadFromDir(Testdata("xlmr-tiny"), BertFamily::kXlmRoberta, 512);
  ASSERT_TRUE(base.ok() && tok.ok());
  for (size_t k = 0; k < texts.size(); ++k) {
    std::vector<int32_t> ids = {0};
    for (int32_t id : (*tok)->EncodeContent(query)) ids.push_back(id);
    ids.push_back(2);
    ids.push_back(2);
    for (int32_t id : (*tok)->EncodeContent(texts[k])) ids.push_back(id);
    ids.push_back(2);
    auto h = (*base)->Forward({ids});
    ASSERT_TRUE(h.ok());
    const float* cls = h->row(0, 0);
    double logit = out_b[0];
    for (int i = 0; i < d; ++i) {
      double z = dense_b[static_cast<size_t>(i)];
      for (int j = 0; j < d; ++j) z += dense_w[static_cast<size_t>(i) * d + j] * cls[j];
      logit += out_w[static_cast<size_t>(i)] * std::tanh(z);
    }
    const double want = 1.0 / (1.0 + std::exp(-logit));
    EXPECT_NEAR((*scores)[k], want, 1e-6) << k;
  }
  EXPECT_NE((*scores)[0], (*scores)[1]);
}

}  // namespace
}  // namespace qimg::nn

namespace qimg::nn {
namespace {

// BertForSequenceClassification: "bert." encoder + pooler, classifier on pooler_output; the pair
// is [CLS] q [SEP] t [SEP] with token types 0 then 1.
TEST(CrossEncoderTest, BertHeadUsesPoolerAndSegmentTypes) {
  ModelCopy copy("bert-tiny", "bert_reranker");
  auto orig = SafetensorsFile::Open(Testdata("bert-tiny/model.safetensors"));
  ASSERT_TRUE(orig.ok());
  auto tensors = Repack(**orig, [](const std::string& n) { return "bert." + n; });
  const int d = 64;
  std::vector<float> w(d);
  for (int i = 0; i < d; ++i) w[static_cast<size_t>(i)] = 0.05f * static_cast<float>(i % 7 - 3);
  tensors.push_back(F32Tensor("classifier.weight", {1, d}, w));
  tensors.push_back(F32Tensor("classifier.bias", {1}, {-0.3f}));
  copy.Write("model.safetensors", SerializeSafetensors(tensors));
  auto config = nlohmann::json::parse(ReadAll(Testdata("bert-tiny/config.json")));
  config["architectures"] = {"BertForSequenceClassification"};
  config["id2label"] = {{"0", "LABEL_0"}};
  copy.Write("config.json", config.dump());
  auto ce = CrossEncoder::Load(copy.dir());
  ASSERT_TRUE(ce.ok()) << ce.status().ToString();
  auto got = (*ce)->Score("red car", {"a car parked at night"});
  ASSERT_TRUE(got.ok());

  auto base = BertModel::Load(Testdata("bert-tiny"));
  auto tok = TextTokenizer::LoadFromDir(Testdata("bert-tiny"), BertFamily::kBert, 512);
  ASSERT_TRUE(base.ok() && tok.ok());
  std::vector<int32_t> ids = {101}, types = {0};
  for (int32_t id : (*tok)->EncodeContent("red car")) {
    ids.push_back(id);
    types.push_back(0);
  }
  ids.push_back(102);
  types.push_back(0);
  for (int32_t id : (*tok)->EncodeContent("a car parked at night")) {
    ids.push_back(id);
    types.push_back(1);
  }
  ids.push_back(102);
  types.push_back(1);
  auto h = (*base)->Forward({ids}, {types});
  ASSERT_TRUE(h.ok());
  auto pooled = (*base)->PoolerOutput(*h);
  ASSERT_TRUE(pooled.ok());
  double logit = -0.3;
  for (int i = 0; i < d; ++i) logit += w[static_cast<size_t>(i)] * pooled->row(0)[i];
  EXPECT_NEAR((*got)[0], 1.0 / (1.0 + std::exp(-logit)), 1e-6);
  // Segment types matter: all-zero types give a different score.
  auto h0 = (*base)->Forward({ids});
  auto p0 = (*base)->PoolerOutput(*h0);
  double logit0 = -0.3;
  for (int i = 0; i < d; ++i) logit0 += w[static_cast<size_t>(i)] * p0->row(0)[i];
  EXPECT_GT(std::fabs(logit - logit0), 1e-4);
}

}  // namespace
}  // namespace qimg::nn
