// End to end from the image files in clip-tiny/images, decoded by media/: PNG decodes must equal
// the golden decoded RGB and give pixel_values within 1e-5; JPEG decoders may differ by a few
// levels (README), so every image is held to the end-to-end bound, cosine >= 0.999 against the
// golden image_embeds.
#include <gtest/gtest.h>

#include "base/text.h"
#include "media/decode.h"
#include "nn/clip_pipeline.h"
#include "nn/test_util.h"

namespace qimg::nn {
namespace {

using testing::Cosine;
using testing::Floats;
using testing::MaxAbsDiff;

TEST(ClipFilesTest, EmbeddingsFromImageFiles) {
  auto pipeline = ClipPipeline::Load(testing::ClipTinyModelDir());
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  const auto golden = testing::ReadGolden("images.json");
  std::vector<RgbImage> images;
  for (const auto& im : golden["images"]) {
    const std::string file = im["file"];
    SCOPED_TRACE(file);
    auto rgb = DecodeRgb(testing::ClipTinyDir() + "/" + file);
    ASSERT_TRUE(rgb.ok()) << rgb.status().ToString();
    EXPECT_EQ(rgb->height, im["decoded_rgb_hw"][0].get<int>());
    EXPECT_EQ(rgb->width, im["decoded_rgb_hw"][1].get<int>());
    if (EndsWith(file, ".png")) {
      EXPECT_EQ(rgb->pixels, im["decoded_rgb_uint8_hwc"].get<std::vector<uint8_t>>());
      auto px = (*pipeline)->preprocessor().Preprocess(*rgb);
      ASSERT_TRUE(px.ok());
      auto want = Floats(im["pixel_values_chw"]);
      EXPECT_LE(MaxAbsDiff(px->data(), want.data(), want.size()), 1e-5f);
    }
    images.push_back(std::move(rgb).value());
  }
  auto emb = (*pipeline)->EncodeImages(images, /*batch_size=*/4);  // several batches
  ASSERT_TRUE(emb.ok()) << emb.status().ToString();
  ASSERT_EQ(emb->rows, 10);
  for (int i = 0; i < 10; ++i) {
    const auto& im = golden["images"][static_cast<size_t>(i)];
    auto want = Floats(im["image_embeds"]);
    double cos = Cosine(emb->row(i), want.data(), want.size());
    EXPECT_GE(cos, 0.999) << im["file"];
    if (EndsWith(im["file"].get<std::string>(), ".png")) {
      EXPECT_LE(MaxAbsDiff(emb->row(i), want.data(), want.size()), 1e-4f) << im["file"];
    }
  }
}

}  // namespace
}  // namespace qimg::nn
