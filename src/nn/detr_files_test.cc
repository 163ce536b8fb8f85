// DETR from the PNG files of ../shared/testdata/detr-tiny/images, decoded by media/: the resize
// size rule (ties to even, the 95.99999999999999 truncation, the no-resize case), Pillow-exact
// resized bytes (SHA-256), pixel_values within 1e-6, and the detector's detections at 0.3 against
// the golden post-processed lists. Also the processor config's parsing.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/hash.h"
#include "media/decode.h"
#include "nn/detr_detector.h"
#include "nn/test_util.h"

namespace qimg::nn {
namespace {

using testing::Floats;
using testing::MaxAbsDiff;

std::string DetrDir() { return std::string(QIMG_TESTDATA_DIR) + "/detr-tiny"; }

nlohmann::json Golden() {
  auto text = ReadFileToString(DetrDir() + "/golden.json");
  return text.ok() ? nlohmann::json::parse(*text) : nlohmann::json();
}

TEST(DetrProcessorTest, SizeRule) {
  DetrProcessorConfig c;
  c.shortest_edge = 64;
  c.longest_edge = 96;
  auto size = [&](int h, int w) {
    int oh = 0, ow = 0;
    DetrResizedSize(c, h, w, &oh, &ow);
    return std::vector<int>{oh, ow};
  };
  EXPECT_EQ(size(97, 192), (std::vector<int>{48, 96}));  // raw 48.5 rounds to even
  EXPECT_EQ(size(44, 20), (std::vector<int>{95, 44}));   // raw * h / w = 95.99999999999999
  EXPECT_EQ(size(80, 64), (std::vector<int>{80, 64}));   // shorter side already 64
  EXPECT_EQ(size(40, 40), (std::vector<int>{64, 64}));   // enlarged
  // The checkpoint's defaults: 800 / 1333.
  DetrProcessorConfig d;
  auto dsize = [&](int h, int w) {
    int oh = 0, ow = 0;
    DetrResizedSize(d, h, w, &oh, &ow);
    return std::vector<int>{oh, ow};
  };
  EXPECT_EQ(dsize(480, 640), (std::vector<int>{800, 1066}));
  EXPECT_EQ(dsize(1000, 4000), (std::vector<int>{333, 1333}));
}

TEST(DetrProcessorTest, ParsesConfig) {
  auto c = LoadDetrProcessorConfig(DetrDir() + "/preprocessor_config.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->shortest_edge, 64);
  EXPECT_EQ(c->longest_edge, 96);
  EXPECT_EQ(c->resample, 2);
  EXPECT_FLOAT_EQ(c->std[2], 0.225f);
  auto legacy = ParseDetrProcessorConfig(R"({"size": 800, "max_size": 1333})");
  ASSERT_TRUE(legacy.ok());
  EXPECT_EQ(legacy->shortest_edge, 800);
  EXPECT_EQ(legacy->longest_edge, 1333);
  EXPECT_EQ(ParseDetrProcessorConfig(R"({"size": {"height": 800, "width": 800}})").status().code(),
            StatusCode::kInvalidArgument);
  auto no_max = ParseDetrProcessorConfig(R"({"size": 600})");
  ASSERT_TRUE(no_max.ok());
  EXPECT_EQ(no_max->longest_edge, 1333);
  EXPECT_FALSE(ParseDetrProcessorConfig(R"({"size": {"shortest_edge": 800}})").ok());
  EXPECT_FALSE(ParseDetrProcessorConfig(R"({"resample": 9})").ok());
  EXPECT_FALSE(ParseDetrProcessorConfig(R"({"image_std": [1, 0, 1]})").ok());
  EXPECT_FALSE(ParseDetrProcessorConfig("nope").ok());
}

TEST(DetrFilesTest, PreprocessingAndDetectionsFromImageFiles) {
  auto detector = DetrDetector::Load(DetrDir());
  ASSERT_TRUE(detector.ok()) << detector.status().ToString();
  const auto golden = Golden();
  ASSERT_EQ(golden["images"].size(), 6u);
  for (const auto& im : golden["images"]) {
    SCOPED_TRACE(im["file"].get<std::string>());
    auto rgb = DecodeRgb(DetrDir() + "/" + im["file"].get<std::string>());
    ASSERT_TRUE(rgb.ok()) << rgb.status().ToString();
    EXPECT_EQ(rgb->height, im["original_size"]["height"].get<int>());
    EXPECT_EQ(rgb->width, im["original_size"]["width"].get<int>());
    auto resized = DetrResize((*detector)->processor(), *rgb);
    ASSERT_TRUE(resized.ok());
    EXPECT_EQ(resized->height, im["resize"]["height"].get<int>());
    EXPECT_EQ(resized->width, im["resize"]["width"].get<int>());
    EXPECT_EQ(Sha256Hex(std::string_view(reinterpret_cast<const char*>(resized->pixels.data()),
                                         resized->pixels.size())),
              im["resized_rgb_uint8_sha256"].get<std::string>());
    auto batch = DetrPreprocess((*detector)->processor(), {&*rgb});
    ASSERT_TRUE(batch.ok());
    const auto want = Floats(im["pixel_values"]["data"]);
    ASSERT_EQ(batch->pixels.size(), want.size());
    EXPECT_LE(MaxAbsDiff(batch->pixels.data(), want.data(), want.size()), 1e-6f);

    auto dets = (*detector)->Detect(*rgb, 0.3f);
    ASSERT_TRUE(dets.ok()) << dets.status().ToString();
    const auto& expect = im["detections"]["0.3"];
    ASSERT_EQ(dets->size(), expect.size());
    for (size_t i = 0; i < dets->size(); ++i) {
      EXPECT_EQ((*dets)[i].detection.query, expect[i]["query"].get<int>());
      EXPECT_EQ((*dets)[i].label, expect[i]["label_name"].get<std::string>());
      EXPECT_NEAR((*dets)[i].detection.score, expect[i]["score"].get<float>(), 3e-5f);
      for (int k = 0; k < 4; ++k)
        EXPECT_NEAR((*dets)[i].detection.box_xyxy[k], expect[i]["box_xyxy"][k].get<float>(), 0.02f);
    }
  }
}

TEST(DetrFilesTest, PaddedPreprocessingMatchesGoldenBatch) {
  auto c = LoadDetrProcessorConfig(DetrDir() + "/preprocessor_config.json");
  ASSERT_TRUE(c.ok());
  const auto golden = Golden();
  std::vector<RgbImage> images;
  for (const auto& im : golden["images"]) {
    auto rgb = DecodeRgb(DetrDir() + "/" + im["file"].get<std::string>());
    ASSERT_TRUE(rgb.ok());
    images.push_back(std::move(*rgb));
  }
  std::vector<const RgbImage*> ptrs;
  for (const auto& i : images) ptrs.push_back(&i);
  auto batch = DetrPreprocess(*c, ptrs);
  ASSERT_TRUE(batch.ok());
  const auto& g = golden["batch"];
  EXPECT_EQ(batch->height, g["pixel_values"]["shape"][2].get<int>());
  EXPECT_EQ(batch->width, g["pixel_values"]["shape"][3].get<int>());
  double sum = 0, abs_sum = 0;
  for (float v : batch->pixels) sum += v, abs_sum += std::fabs(v);
  EXPECT_NEAR(sum, g["pixel_values"]["sum"].get<double>(), 1e-2);
  EXPECT_NEAR(abs_sum, g["pixel_values"]["abs_sum"].get<double>(), 1e-2);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(batch->valid_height[i], g["pixel_mask"]["valid_hw"][i][0].get<int>());
    EXPECT_EQ(batch->valid_width[i], g["pixel_mask"]["valid_hw"][i][1].get<int>());
  }
  int64_t ones = 0;
  for (uint8_t m : batch->mask) ones += m;
  int64_t want = 0;
  for (const auto& hw : g["pixel_mask"]["valid_hw"])
    want += hw[0].get<int64_t>() * hw[1].get<int64_t>();
  EXPECT_EQ(ones, want);
}

TEST(DetrFilesTest, RejectsEmptyImage) {
  auto detector = DetrDetector::Load(DetrDir());
  ASSERT_TRUE(detector.ok());
  RgbImage empty;
  EXPECT_EQ((*detector)->Detect(empty, 0.3f).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace qimg::nn
