// SigLIP end to end from siglip-tiny/images and texts through SiglipPipeline (decode, resize,
// tokenize, both towers): PNG decodes give pixel_values within 1e-6 and image embeddings within
// 1e-5 normalised; JPEG decoders may differ by a level or two (README), so those are held to
// cosine >= 0.999; texts give the golden logits within 1e-4.
#include <gtest/gtest.h>

#include <cmath>

#include "base/text.h"
#include "media/decode.h"
#include "nn/image_text_model.h"
#include "nn/siglip_pipeline.h"
#include "nn/siglip_test_util.h"
#include "nn/test_util.h"

namespace qimg::nn {
namespace {

using testing::Cosine;
using testing::Floats;
using testing::MaxAbsDiff;

TEST(SiglipFilesTest, EmbeddingsAndLogitsFromFiles) {
  auto loaded = LoadImageTextModel(testing::SiglipTinyModelDir());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const ImageTextModel& model = **loaded;
  ASSERT_EQ(model.family(), ModelFamily::kSiglip);
  EXPECT_EQ(model.embedding_dim(), 64);
  EXPECT_EQ(model.image_size(), 32);
  const auto golden = testing::ReadSiglipGolden("images.json");
  std::vector<RgbImage> images;
  for (const auto& im : golden["images"]) {
    const std::string file = im["file"];
    SCOPED_TRACE(file);
    auto rgb = DecodeRgb(testing::SiglipTinyDir() + "/" + file);
    ASSERT_TRUE(rgb.ok()) << rgb.status().ToString();
    EXPECT_EQ(rgb->height, im["decoded_rgb_hw"][0].get<int>());
    EXPECT_EQ(rgb->width, im["decoded_rgb_hw"][1].get<int>());
    if (EndsWith(file, ".png")) {
      EXPECT_EQ(rgb->pixels, im["decoded_rgb_uint8_hwc"].get<std::vector<uint8_t>>());
      auto px = model.Preprocess(*rgb);
      ASSERT_TRUE(px.ok()) << px.status().ToString();
      auto want = Floats(im["pixel_values_chw"]);
      ASSERT_EQ(px->size(), want.size());
      EXPECT_LE(MaxAbsDiff(px->data(), want.data(), want.size()), 1e-6f);
    }
    images.push_back(std::move(rgb).value());
  }
  auto emb = model.EncodeImages(images, /*batch_size=*/4);  // several batches
  ASSERT_TRUE(emb.ok()) << emb.status().ToString();
  ASSERT_EQ(emb->rows, 10);
  Embeddings img = *emb;
  NormalizeRows(&img);
  for (int i = 0; i < 10; ++i) {
    const auto& im = golden["images"][static_cast<size_t>(i)];
    auto want = Floats(im["image_embeds_normalized"]);
    EXPECT_GE(Cosine(img.row(i), want.data(), want.size()), 0.999) << im["file"];
    if (EndsWith(im["file"].get<std::string>(), ".png")) {
      EXPECT_LE(MaxAbsDiff(img.row(i), want.data(), want.size()), 1e-5f) << im["file"];
    }
  }
  const auto sim = testing::ReadSiglipGolden("similarity.json");
  auto texts = model.EncodeTexts(sim["texts"].get<std::vector<std::string>>(), /*batch_size=*/4);
  ASSERT_TRUE(texts.ok()) << texts.status().ToString();
  NormalizeRows(&*texts);
  for (int i = 0; i < 10; ++i) {
    if (!EndsWith(golden["images"][static_cast<size_t>(i)]["file"].get<std::string>(), ".png"))
      continue;
    for (int t = 0; t < 6; ++t) {
      double cos = 0;
      for (int k = 0; k < 64; ++k) cos += static_cast<double>(img.row(i)[k]) * texts->row(t)[k];
      EXPECT_NEAR(model.logit_scale() * cos + model.logit_bias(),
                  sim["logits_per_image"][i][t].get<double>(), 1e-4);
    }
  }
}

}  // namespace
}  // namespace qimg::nn
