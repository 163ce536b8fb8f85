#include "media/colour.h"

#include <gtest/gtest.h>

#include "media/corpus_test_util.h"
#include "media/decode.h"
#include "media/pil_resample.h"

namespace qimg {
namespace {

RgbImage Solid(int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  RgbImage img{w, h, {}};
  for (int i = 0; i < w * h; ++i) img.pixels.insert(img.pixels.end(), {r, g, b});
  return img;
}

RgbImage Thumb(const std::string& rel) {
  auto img = DecodeRgb(testing::CorpusPath(rel), 128);
  EXPECT_TRUE(img.ok()) << rel;
  if (!img.ok()) return {};
  const double s = 256.0 / std::max(img->width, img->height);
  if (s >= 1) return *img;
  return ResizePil(*img, std::max(1, int(img->width * s)), std::max(1, int(img->height * s)),
                   PilFilter::kBicubic);
}

TEST(ColourTest, Names) {
  EXPECT_EQ(ColourName(230, 20, 20), "red");
  EXPECT_EQ(ColourName(250, 140, 0), "orange");
  EXPECT_EQ(ColourName(240, 230, 40), "yellow");
  EXPECT_EQ(ColourName(30, 160, 40), "green");
  EXPECT_EQ(ColourName(30, 60, 200), "blue");
  EXPECT_EQ(ColourName(130, 40, 180), "purple");
  EXPECT_EQ(ColourName(250, 150, 180), "pink");
  EXPECT_EQ(ColourName(120, 70, 30), "brown");
  EXPECT_EQ(ColourName(5, 5, 5), "black");
  EXPECT_EQ(ColourName(250, 250, 250), "white");
  EXPECT_EQ(ColourName(128, 128, 128), "gray");
}

TEST(ColourTest, SolidAndEmpty) {
  ColourStats s = AnalyzeColours(Solid(20, 10, 30, 60, 200));
  ASSERT_EQ(s.dominant.size(), 1u);
  EXPECT_EQ(s.dominant[0].name, "blue");
  EXPECT_DOUBLE_EQ(s.dominant[0].fraction, 1.0);
  EXPECT_EQ(s.distinct_colours, 1);
  ColourStats e = AnalyzeColours(RgbImage{});
  EXPECT_TRUE(e.dominant.empty());
  EXPECT_NEAR(AnalyzeColours(Solid(4, 4, 255, 255, 255)).brightness, 1.0, 1e-9);
  EXPECT_NEAR(AnalyzeColours(Solid(4, 4, 0, 0, 0)).brightness, 0.0, 1e-9);
}

TEST(ColourTest, ScreenshotsScoreHigherThanPhotos) {
  for (const char* doc : {"ocr/ocr-01.png", "ocr/ocr-11.png"}) {
    ColourStats d = AnalyzeColours(Thumb(doc));
    EXPECT_GT(d.screenshot_score, 0.5) << doc;
  }
  for (const char* photo : {"photos/photo-10.jpg", "photos/photo-19.jpg", "photos/photo-02.png"}) {
    ColourStats p = AnalyzeColours(Thumb(photo));
    EXPECT_LT(p.screenshot_score, 0.5) << photo;
    EXPECT_FALSE(p.dominant.empty());
  }
}

}  // namespace
}  // namespace qimg
