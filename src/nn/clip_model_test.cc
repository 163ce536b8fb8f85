// Golden tests of the CLIP towers against /work/shared/testdata/clip-tiny (README there): text and
// image embeddings from the given input_ids / pixel_values within max abs diff 1e-4 (raw and
// normalised), the similarity matrix within 1e-4 (cosine) and 3e-3 (logits), and the int8 path
// within cosine 0.99 of the golden fp32 embeddings.
#include "nn/clip_model.h"

#include <gtest/gtest.h>

#include "nn/test_util.h"

namespace qimg::nn {
namespace {

using testing::Cosine;
using testing::Floats;
using testing::GoldenIds;
using testing::GoldenPixels;
using testing::MaxAbsDiff;
using testing::ReadGolden;

constexpr float kTol = 1e-4f;

std::unique_ptr<ClipModel> LoadTiny(bool int8 = false) {
  ClipLoadOptions options;
  options.int8 = int8;
  return testing::LoadTinyModel<ClipModel>(testing::ClipTinyModelDir(), options);
}

TEST(ClipModelTest, TextEmbeddingsMatchGolden) {
  auto model = LoadTiny();
  ASSERT_NE(model, nullptr);
  EXPECT_NEAR(model->logit_scale_exp(), 30.0000016f, 1e-4f);
  const auto golden = ReadGolden("text_embeddings.json");
  const auto& cases = golden["cases"];
  ASSERT_EQ(cases.size(), 79u);
  auto emb = model->EncodeTokenIds(GoldenIds(cases));  // one batch of all 79 texts
  ASSERT_TRUE(emb.ok()) << emb.status().ToString();
  ASSERT_EQ(emb->rows, 79);
  ASSERT_EQ(emb->dim, 32);
  Embeddings normalized = *emb;
  NormalizeRows(&normalized);
  for (int i = 0; i < emb->rows; ++i) {
    SCOPED_TRACE(cases[i]["text"].get<std::string>());
    auto raw = Floats(cases[i]["text_embeds"]);
    auto norm = Floats(cases[i]["text_embeds_normalized"]);
    EXPECT_LE(MaxAbsDiff(emb->row(i), raw.data(), 32), kTol);
    EXPECT_LE(MaxAbsDiff(normalized.row(i), norm.data(), 32), kTol);
  }
}

TEST(ClipModelTest, TextBatchEqualsSingle) {
  auto model = LoadTiny();
  ASSERT_NE(model, nullptr);
  const auto golden = ReadGolden("text_embeddings.json");
  auto ids = GoldenIds(golden["cases"]);
  auto all = model->EncodeTokenIds(ids);
  ASSERT_TRUE(all.ok());
  for (int i : {0, 10, 66}) {  // short, empty, long (a shorter prefix is run when alone)
    auto one = model->EncodeTokenIds({ids[i]});
    ASSERT_TRUE(one.ok());
    EXPECT_LE(MaxAbsDiff(one->row(0), all->row(i), 32), 1e-5f);
  }
}

TEST(ClipModelTest, ImageEmbeddingsFromPixelValuesMatchGolden) {
  auto model = LoadTiny();
  ASSERT_NE(model, nullptr);
  const auto golden = ReadGolden("images.json");
  const auto& images = golden["images"];
  ASSERT_EQ(images.size(), 10u);
  std::vector<float> px = GoldenPixels(images);
  ASSERT_EQ(static_cast<int64_t>(px.size()), 10 * model->PixelsPerImage());
  auto emb = model->EncodePixels(px.data(), 10);
  ASSERT_TRUE(emb.ok()) << emb.status().ToString();
  Embeddings normalized = *emb;
  NormalizeRows(&normalized);
  for (int i = 0; i < 10; ++i) {
    SCOPED_TRACE(images[i]["file"].get<std::string>());
    auto raw = Floats(images[i]["image_embeds"]);
    auto norm = Floats(images[i]["image_embeds_normalized"]);
    EXPECT_LE(MaxAbsDiff(emb->row(i), raw.data(), 32), kTol);
    EXPECT_LE(MaxAbsDiff(normalized.row(i), norm.data(), 32), kTol);
  }
}

TEST(ClipModelTest, SimilarityMatrixMatchesGolden) {
  auto model = LoadTiny();
  ASSERT_NE(model, nullptr);
  const auto sim = ReadGolden("similarity.json");
  const auto images = ReadGolden("images.json")["images"];
  const auto texts = ReadGolden("text_embeddings.json")["cases"];
  std::vector<float> px;
  for (const auto& name : sim["images"]) {
    for (const auto& im : images) {
      if (im["file"] == name) {
        auto v = Floats(im["pixel_values_chw"]);
        px.insert(px.end(), v.begin(), v.end());
      }
    }
  }
  std::vector<std::vector<int32_t>> ids;
  for (const auto& t : sim["texts"]) {
    for (const auto& c : texts) {
      if (c["text"] == t) {
        ids.push_back(c["input_ids"].get<std::vector<int32_t>>());
        break;
      }
    }
  }
  ASSERT_EQ(px.size(), 10 * static_cast<size_t>(model->PixelsPerImage()));
  ASSERT_EQ(ids.size(), 5u);
  auto ie = model->EncodePixels(px.data(), 10);
  auto te = model->EncodeTokenIds(ids);
  ASSERT_TRUE(ie.ok() && te.ok());
  NormalizeRows(&*ie);
  NormalizeRows(&*te);
  for (int i = 0; i < 10; ++i) {
    for (int t = 0; t < 5; ++t) {
      float cos = 0;
      for (int k = 0; k < 32; ++k) cos += ie->row(i)[k] * te->row(t)[k];
      EXPECT_NEAR(cos, sim["cosine_image_text"][i][t].get<float>(), 1e-4f);
      EXPECT_NEAR(cos * model->logit_scale_exp(), sim["logits_per_image"][i][t].get<float>(),
                  3e-3f);
      EXPECT_NEAR(cos * model->logit_scale_exp(), sim["logits_per_text"][t][i].get<float>(), 3e-3f);
    }
  }
}

TEST(ClipModelTest, Int8StaysWithinCosine099) {
  auto model = LoadTiny(/*int8=*/true);
  ASSERT_NE(model, nullptr);
  const auto texts = ReadGolden("text_embeddings.json")["cases"];
  auto te = model->EncodeTokenIds(GoldenIds(texts));
  ASSERT_TRUE(te.ok());
  double worst = 1.0;
  for (int i = 0; i < te->rows; ++i) {
    auto raw = Floats(texts[i]["text_embeds"]);
    worst = std::min(worst, Cosine(te->row(i), raw.data(), 32));
  }
  EXPECT_GE(worst, 0.99);
  const auto images = ReadGolden("images.json")["images"];
  std::vector<float> px = GoldenPixels(images);
  auto ie = model->EncodePixels(px.data(), 10);
  ASSERT_TRUE(ie.ok());
  for (int i = 0; i < 10; ++i) {
    auto raw = Floats(images[i]["image_embeds"]);
    worst = std::min(worst, Cosine(ie->row(i), raw.data(), 32));
  }
  EXPECT_GE(worst, 0.99);
  // ...and int8 really changes the numbers (the path is not silently fp32).
  auto fp32 = LoadTiny();
  auto fe = fp32->EncodePixels(px.data(), 10);
  ASSERT_TRUE(fe.ok());
  EXPECT_GT(MaxAbsDiff(fe->values.data(), ie->values.data(), fe->values.size()), 1e-6f);
}

// OpenAI's configs say eos_token_id 2; pooling must still land on the real EOS (49407).
TEST(ClipModelTest, LegacyEosTokenIdStillPoolsAtEos) {
  auto config = LoadClipConfig(testing::ClipTinyModelDir() + "/config.json");
  ASSERT_TRUE(config.ok());
  config->text.eos_token_id = 2;
  auto file = SafetensorsFile::Open(testing::ClipTinyModelDir() + "/model.safetensors");
  ASSERT_TRUE(file.ok());
  auto model = ClipModel::FromCheckpoint(*config, **file);
  ASSERT_TRUE(model.ok());
  const auto cases = ReadGolden("text_embeddings.json")["cases"];
  auto emb = (*model)->EncodeTokenIds(GoldenIds(cases));
  ASSERT_TRUE(emb.ok());
  for (int i = 0; i < emb->rows; ++i) {
    auto raw = Floats(cases[i]["text_embeds"]);
    EXPECT_LE(MaxAbsDiff(emb->row(i), raw.data(), 32), kTol) << cases[i]["text"];
  }
}

TEST(ClipModelTest, RejectsBadInput) {
  auto model = LoadTiny();
  ASSERT_NE(model, nullptr);
  EXPECT_FALSE(model->EncodeTokenIds({{49406, 99999, 49407}}).ok());
  EXPECT_FALSE(model->EncodeTokenIds({{49406, 49407}, {49406}}).ok());
  EXPECT_FALSE(model->EncodeTokenIds({std::vector<int32_t>(78, 1)}).ok());
  EXPECT_FALSE(ClipModel::Load("/nonexistent").ok());
}

}  // namespace
}  // namespace qimg::nn
