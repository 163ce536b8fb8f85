// ClipPipeline end to end from strings and decoded RGB (golden data), in several batches.
#include "nn/clip_pipeline.h"

#include <gtest/gtest.h>

#include "nn/test_util.h"

namespace qimg::nn {
namespace {

using testing::Floats;
using testing::MaxAbsDiff;
using testing::ReadGolden;

TEST(ClipPipelineTest, TextsInMixedLengthBatchesMatchGolden) {
  auto p = ClipPipeline::Load(testing::ClipTinyModelDir());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const auto cases = ReadGolden("text_embeddings.json")["cases"];
  std::vector<std::string> texts;
  for (const auto& c : cases) texts.push_back(c["text"]);
  // Batches of 7 after sorting by length: results must come back in input order.
  auto emb = (*p)->EncodeTexts(texts, /*batch_size=*/7);
  ASSERT_TRUE(emb.ok()) << emb.status().ToString();
  ASSERT_EQ(emb->rows, static_cast<int>(texts.size()));
  for (int i = 0; i < emb->rows; ++i) {
    auto want = Floats(cases[static_cast<size_t>(i)]["text_embeds"]);
    EXPECT_LE(MaxAbsDiff(emb->row(i), want.data(), 32), 1e-4f) << texts[static_cast<size_t>(i)];
  }
  auto none = (*p)->EncodeTexts({});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->rows, 0);
}

TEST(ClipPipelineTest, ImagesFromDecodedRgbMatchGolden) {
  auto p = ClipPipeline::Load(testing::ClipTinyModelDir());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const auto images = ReadGolden("images.json")["images"];
  std::vector<RgbImage> rgb;
  std::vector<std::vector<float>> want;
  for (const auto& im : images) {
    if (!im["decoded_rgb_uint8_hwc"].is_array()) continue;
    RgbImage r;
    r.height = im["decoded_rgb_hw"][0];
    r.width = im["decoded_rgb_hw"][1];
    r.pixels = im["decoded_rgb_uint8_hwc"].get<std::vector<uint8_t>>();
    rgb.push_back(std::move(r));
    want.push_back(Floats(im["image_embeds"]));
  }
  auto emb = (*p)->EncodeImages(rgb, /*batch_size=*/4);
  ASSERT_TRUE(emb.ok()) << emb.status().ToString();
  ASSERT_EQ(emb->rows, static_cast<int>(rgb.size()));
  for (int i = 0; i < emb->rows; ++i) {
    EXPECT_LE(MaxAbsDiff(emb->row(i), want[static_cast<size_t>(i)].data(), 32), 1e-4f);
  }
  RgbImage empty;
  EXPECT_FALSE((*p)->EncodeImages({empty}).ok());
}

TEST(ClipPipelineTest, MissingFilesAreNamed) {
  auto p = ClipPipeline::Load("/nonexistent");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace qimg::nn
