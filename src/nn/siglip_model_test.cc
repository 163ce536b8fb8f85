// Golden tests of the SigLIP towers against ../shared/testdata/siglip-tiny (README there): text
// and image embeddings from the golden input_ids / pixel_values within 1e-5 normalised and 1e-4
// raw, logits with logit_scale and logit_bias within 1e-4; the int8 path within cosine 0.99.
#include "nn/siglip_model.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nn/image_text_model.h"
#include "nn/siglip_test_util.h"
#include "nn/test_util.h"

namespace qimg::nn {
namespace {

using testing::Cosine;
using testing::Floats;
using testing::GoldenIds;
using testing::GoldenPixels;
using testing::MaxAbsDiff;
using testing::ReadSiglipGolden;

constexpr float kRawTol = 1e-4f;
constexpr float kNormTol = 1e-5f;

std::unique_ptr<SiglipModel> LoadTiny(bool int8 = false) {
  ClipLoadOptions options;
  options.int8 = int8;
  return testing::LoadTinyModel<SiglipModel>(testing::SiglipTinyModelDir(), options);
}

TEST(SiglipModelTest, ConfigAndScalars) {
  auto model = LoadTiny();
  ASSERT_NE(model, nullptr);
  const SiglipConfig& c = model->config();
  EXPECT_EQ(c.text.hidden_size, 64);
  EXPECT_EQ(c.text.num_heads, 4);
  EXPECT_EQ(c.text.act, Activation::kGeluTanh);
  EXPECT_FLOAT_EQ(c.text.layer_norm_eps, 1e-6f);
  EXPECT_EQ(c.vision.num_patches(), 16);
  EXPECT_EQ(c.embedding_dim(), 64);
  EXPECT_NEAR(model->logit_scale_exp(), 10.0000003f, 1e-5f);
  EXPECT_FLOAT_EQ(model->logit_bias(), -2.5f);
}

TEST(SiglipModelTest, TextEmbeddingsMatchGolden) {
  auto model = LoadTiny();
  ASSERT_NE(model, nullptr);
  const auto golden = ReadSiglipGolden("text_embeddings.json");
  const auto& cases = golden["cases"];
  ASSERT_EQ(cases.size(), 62u);
  auto emb = model->EncodeTokenIds(GoldenIds(cases));  // one batch of all 62 texts
  ASSERT_TRUE(emb.ok()) << emb.status().ToString();
  ASSERT_EQ(emb->rows, 62);
  ASSERT_EQ(emb->dim, 64);
  Embeddings normalized = *emb;
  NormalizeRows(&normalized);
  float worst_raw = 0, worst_norm = 0;
  for (int i = 0; i < emb->rows; ++i) {
    SCOPED_TRACE(cases[i]["text"].get<std::string>());
    auto raw = Floats(cases[i]["text_embeds"]);
    auto norm = Floats(cases[i]["text_embeds_normalized"]);
    worst_raw = std::max(worst_raw, MaxAbsDiff(emb->row(i), raw.data(), 64));
    worst_norm = std::max(worst_norm, MaxAbsDiff(normalized.row(i), norm.data(), 64));
    EXPECT_LE(MaxAbsDiff(emb->row(i), raw.data(), 64), kRawTol);
    EXPECT_LE(MaxAbsDiff(normalized.row(i), norm.data(), 64), kNormTol);
  }
  RecordProperty("max_abs_raw", std::to_string(worst_raw));
  RecordProperty("max_abs_normalized", std::to_string(worst_norm));
}

TEST(SiglipModelTest, TextBatchEqualsSingle) {
  auto model = LoadTiny();
  ASSERT_NE(model, nullptr);
  const auto golden = ReadSiglipGolden("text_embeddings.json");
  auto ids = GoldenIds(golden["cases"]);
  auto all = model->EncodeTokenIds(ids);
  ASSERT_TRUE(all.ok());
  for (int i : {0, 30, 61}) {
    auto one = model->EncodeTokenIds({ids[i]});
    ASSERT_TRUE(one.ok());
    EXPECT_LE(MaxAbsDiff(one->row(0), all->row(i), 64), 1e-5f);
  }
}

TEST(SiglipModelTest, ImageEmbeddingsFromPixelValuesMatchGolden) {
  auto model = LoadTiny();
  ASSERT_NE(model, nullptr);
  const auto golden = ReadSiglipGolden("images.json");
  const auto& images = golden["images"];
  ASSERT_EQ(images.size(), 10u);
  std::vector<float> px = GoldenPixels(images);
  ASSERT_EQ(static_cast<int64_t>(px.size()), 10 * model->PixelsPerImage());
  auto emb = model->EncodePixels(px.data(), 10);
  ASSERT_TRUE(emb.ok()) << emb.status().ToString();
  ASSERT_EQ(emb->rows, 10);
  ASSERT_EQ(emb->dim, 64);
  Embeddings normalized = *emb;
  NormalizeRows(&normalized);
  for (int i = 0; i < 10; ++i) {
    SCOPED_TRACE(images[i]["file"].get<std::string>());
    auto raw = Floats(images[i]["image_embeds"]);
    auto norm = Floats(images[i]["image_embeds_normalized"]);
    EXPECT_LE(MaxAbsDiff(emb->row(i), raw.data(), 64), kRawTol);
    EXPECT_LE(MaxAbsDiff(normalized.row(i), norm.data(), 64), kNormTol);
    // Batch of one gives the same answer.
    auto one = model->EncodePixels(px.data() + i * model->PixelsPerImage(), 1);
    ASSERT_TRUE(one.ok());
    EXPECT_LE(MaxAbsDiff(one->row(0), emb->row(i), 64), 1e-5f);
  }
}

TEST(SiglipModelTest, LogitsMatchGolden) {
  auto model = LoadTiny();
  ASSERT_NE(model, nullptr);
  const auto sim = ReadSiglipGolden("similarity.json");
  const auto images = ReadSiglipGolden("images.json")["images"];
  auto img = model->EncodePixels(GoldenPixels(images).data(), 10);
  auto txt = model->EncodeTokenIds(sim["text_input_ids"].get<std::vector<std::vector<int32_t>>>());
  ASSERT_TRUE(img.ok() && txt.ok());
  NormalizeRows(&*img);
  NormalizeRows(&*txt);
  ASSERT_EQ(txt->rows, 6);
  EXPECT_NEAR(model->logit_scale_exp(), sim["logit_scale_exp"].get<double>(), 1e-5);
  EXPECT_NEAR(model->logit_bias(), sim["logit_bias"].get<double>(), 1e-7);
  // images.json and similarity.json list the images in the same order.
  for (int i = 0; i < 10; ++i) {
    for (int t = 0; t < 6; ++t) {
      double cos = 0;
      for (int k = 0; k < 64; ++k) cos += static_cast<double>(img->row(i)[k]) * txt->row(t)[k];
      const double logit = model->logit_scale_exp() * cos + model->logit_bias();
      EXPECT_NEAR(cos, sim["cosine_image_text"][i][t].get<double>(), 1e-5) << i << "," << t;
      EXPECT_NEAR(logit, sim["logits_per_image"][i][t].get<double>(), 1e-4) << i << "," << t;
      EXPECT_NEAR(logit, sim["logits_per_text"][t][i].get<double>(), 1e-4) << i << "," << t;
      EXPECT_NEAR(1.0 / (1.0 + std::exp(-logit)), sim["probs_per_image"][i][t].get<double>(), 1e-5);
    }
  }
}

TEST(SiglipModelTest, Int8StaysClose) {
  auto model = LoadTiny(/*int8=*/true);
  ASSERT_NE(model, nullptr);
  const auto images = ReadSiglipGolden("images.json")["images"];
  auto emb = model->EncodePixels(GoldenPixels(images).data(), 10);
  ASSERT_TRUE(emb.ok());
  for (int i = 0; i < 10; ++i) {
    auto want = Floats(images[i]["image_embeds"]);
    EXPECT_GE(Cosine(emb->row(i), want.data(), 64), 0.99);
  }
}

TEST(SiglipModelTest, RejectsBadInput) {
  auto model = LoadTiny();
  ASSERT_NE(model, nullptr);
  EXPECT_FALSE(model->EncodeTokenIds({{1, 2, 2000}}).ok());  // outside the vocabulary
  EXPECT_FALSE(model->EncodeTokenIds({{1, 2}, {1}}).ok());   // ragged
  EXPECT_FALSE(model->EncodeTokenIds({std::vector<int32_t>(65, 1)}).ok());  // past the positions
}

TEST(SiglipConfigTest, DefaultsAndErrors) {
  // Real checkpoints write few keys and rely on SiglipConfig's defaults.
  auto c = ParseSiglipConfig(R"({"model_type":"siglip","text_config":{"vocab_size":256000},
                                 "vision_config":{}})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->text.hidden_size, 768);
  EXPECT_EQ(c->text.num_layers, 12);
  EXPECT_EQ(c->text.max_position_embeddings, 64);
  EXPECT_EQ(c->text.vocab_size, 256000);
  EXPECT_EQ(c->text.act, Activation::kGeluTanh);
  EXPECT_FLOAT_EQ(c->vision.layer_norm_eps, 1e-6f);
  EXPECT_EQ(c->vision.patch_size, 16);
  EXPECT_EQ(c->vision.num_patches(), 196);
  EXPECT_EQ(c->embedding_dim(), 768);
  EXPECT_FALSE(ParseSiglipConfig(R"({"text_config":{}})").ok());
  EXPECT_FALSE(
      ParseSiglipConfig(R"({"text_config":{"projection_size":512},"vision_config":{}})").ok());
  EXPECT_FALSE(ParseSiglipConfig(R"({"text_config":{},"vision_config":{"patch_size":15}})").ok());
  EXPECT_FALSE(ParseSiglipConfig("not json").ok());
}

TEST(ImageTextModelTest, DetectsFamilies) {
  auto s = DetectModelFamily(testing::SiglipTinyModelDir());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s, ModelFamily::kSiglip);
  auto c = DetectModelFamily(std::string(QIMG_TESTDATA_DIR) + "/clip-tiny/model");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, ModelFamily::kClip);
  auto dim = ImageTextEmbeddingDim(testing::SiglipTinyModelDir());
  ASSERT_TRUE(dim.ok());
  EXPECT_EQ(*dim, 64);
  EXPECT_FALSE(DetectModelFamily("/nonexistent").ok());
}

}  // namespace
}  // namespace qimg::nn
