// Preprocessing against golden/images.json: from the decoded RGB given there, the bicubic resize
// must equal PIL byte for byte, the crop offsets must be the floor ones, and pixel_values must be
// within 1e-5 (README: "expect 0 or 1 ulp").
#include "nn/image_preprocessor.h"

#include <gtest/gtest.h>

#include "nn/test_util.h"

namespace qimg::nn {
namespace {

using testing::Floats;
using testing::MaxAbsDiff;
using testing::ReadGolden;

ImagePreprocessor TinyPreprocessor() {
  auto c = LoadPreprocessorConfig(testing::ClipTinyModelDir() + "/preprocessor_config.json");
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return ImagePreprocessor(c.ok() ? *c : PreprocessorConfig());
}

TEST(ImagePreprocessorTest, ParsesClipTinyConfig) {
  ImagePreprocessor p = TinyPreprocessor();
  EXPECT_EQ(p.config().shortest_edge, 32);
  EXPECT_EQ(p.config().crop_height, 32);
  EXPECT_EQ(p.config().resample, 3);
  EXPECT_EQ(p.output_width(), 32);
  EXPECT_FLOAT_EQ(p.config().std[2], 0.27577711f);
}

TEST(ImagePreprocessorTest, MatchesGoldenFromDecodedRgb) {
  ImagePreprocessor p = TinyPreprocessor();
  const auto golden = ReadGolden("images.json");
  int checked = 0;
  for (const auto& im : golden["images"]) {
    // The 300x200 image carries a note instead of its pixels (only the hash).
    if (!im.contains("decoded_rgb_uint8_hwc") || !im["decoded_rgb_uint8_hwc"].is_array()) continue;
    SCOPED_TRACE(im["file"].get<std::string>());
    RgbImage rgb;
    rgb.height = im["decoded_rgb_hw"][0];
    rgb.width = im["decoded_rgb_hw"][1];
    rgb.pixels = im["decoded_rgb_uint8_hwc"].get<std::vector<uint8_t>>();
    std::vector<float> px(3 * 32 * 32);
    ImagePreprocessor::Trace trace;
    ASSERT_TRUE(p.Preprocess(rgb, px.data(), &trace).ok());
    EXPECT_EQ(trace.resized.height, im["resized_hw"][0].get<int>());
    EXPECT_EQ(trace.resized.width, im["resized_hw"][1].get<int>());
    EXPECT_EQ(trace.resized.pixels, im["resized_rgb_uint8_hwc"].get<std::vector<uint8_t>>());
    EXPECT_EQ(trace.crop_top, im["crop_top_left"][0].get<int>());
    EXPECT_EQ(trace.crop_left, im["crop_top_left"][1].get<int>());
    auto want = Floats(im["pixel_values_chw"]);
    ASSERT_EQ(want.size(), px.size());
    EXPECT_LE(MaxAbsDiff(px.data(), want.data(), px.size()), 1e-5f);
    ++checked;
  }
  EXPECT_EQ(checked, 9);
}

TEST(ImagePreprocessorTest, ResizeSkipsUnchangedAxisAndHandlesUpscale) {
  RgbImage img;
  img.width = 3;
  img.height = 2;
  img.pixels = {0, 0, 0, 255, 255, 255, 0, 0, 0, 10, 20, 30, 40, 50, 60, 70, 80, 90};
  auto same = ResizePil(img, 3, 2, 3);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->pixels, img.pixels);
  auto up = ResizePil(img, 7, 5, 3);
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->width, 7);
  EXPECT_EQ(up->height, 5);
  EXPECT_FALSE(ResizePil(img, 0, 5, 3).ok());
  EXPECT_FALSE(ResizePil(img, 4, 5, 9).ok());
}

TEST(ImagePreprocessorTest, SmallImagesArePaddedLikeTransformers) {
  PreprocessorConfig c;
  c.do_resize = false;
  c.crop_height = c.crop_width = 4;
  ImagePreprocessor p(c);
  RgbImage img;
  img.width = 2;
  img.height = 2;
  img.pixels.assign(12, 255);
  auto px = p.Preprocess(img);
  ASSERT_TRUE(px.ok());
  // top = left = (2 - 4) // 2 = -1: row 0 / column 0 are padding (pixel value 0).
  const float pad = (0.0f - c.mean[0]) / c.std[0];
  const float white = (1.0f - c.mean[0]) / c.std[0];
  EXPECT_FLOAT_EQ((*px)[0], pad);
  EXPECT_FLOAT_EQ((*px)[1 * 4 + 1], white);
  EXPECT_FLOAT_EQ((*px)[3 * 4 + 3], pad);
}

TEST(ImagePreprocessorTest, ExtremeAspectRatioIsAnErrorNotAHugeResize) {
  ImagePreprocessor p = TinyPreprocessor();
  RgbImage strip;
  strip.width = 1;
  strip.height = 100000;
  strip.pixels.assign(3 * 100000, 128);
  auto px = p.Preprocess(strip);
  ASSERT_FALSE(px.ok());
  EXPECT_EQ(px.status().code(), StatusCode::kResourceExhausted);
  strip.height = 200;  // 1 x 200 -> 32 x 6400: fine
  strip.pixels.resize(3 * 200);
  EXPECT_TRUE(p.Preprocess(strip).ok());
}

TEST(ImagePreprocessorTest, RgbFromSamplesConvertsLikePil) {
  const uint8_t gray[] = {7, 200};
  auto g = RgbFromSamples(gray, 2, 1, 1, 8);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->pixels, (std::vector<uint8_t>{7, 7, 7, 200, 200, 200}));
  const uint8_t rgba[] = {1, 2, 3, 0, 4, 5, 6, 255};  // alpha dropped, colour kept
  auto a = RgbFromSamples(rgba, 2, 1, 4, 8);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->pixels, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6}));
  const uint16_t la16[] = {0x1234, 0xffff, 0xff00, 0};
  auto l = RgbFromSamples(la16, 2, 1, 2, 16);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->pixels, (std::vector<uint8_t>{0x12, 0x12, 0x12, 0xff, 0xff, 0xff}));
  EXPECT_FALSE(RgbFromSamples(gray, 2, 1, 5, 8).ok());
  EXPECT_FALSE(RgbFromSamples(gray, 2, 1, 1, 12).ok());
}

TEST(ImagePreprocessorTest, ConfigVariants) {
  auto c = ParsePreprocessorConfig(
      R"({"size":{"height":20,"width":30},"do_center_crop":false,"resample":2,"image_mean":0.5,"image_std":[0.5,0.5,0.5]})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->size_height, 20);
  EXPECT_EQ(c->size_width, 30);
  EXPECT_FLOAT_EQ(c->mean[1], 0.5f);
  ImagePreprocessor p(*c);
  EXPECT_EQ(p.output_height(), 20);
  auto legacy = ParsePreprocessorConfig(R"({"size":224,"crop_size":224})");
  ASSERT_TRUE(legacy.ok());
  EXPECT_EQ(legacy->shortest_edge, 224);
  EXPECT_EQ(legacy->crop_width, 224);
  EXPECT_FALSE(ParsePreprocessorConfig(R"({"resample":7})").ok());
  EXPECT_FALSE(ParsePreprocessorConfig(R"({"image_std":[1,0,1]})").ok());
  EXPECT_FALSE(ParsePreprocessorConfig(R"({"size":"big"})").ok());
}

}  // namespace
}  // namespace qimg::nn
