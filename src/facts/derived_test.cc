#include "facts/derived.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "media/corpus_test_util.h"
#include "media/decode.h"

namespace qimg::facts {
namespace {

std::vector<std::string> Values(const std::vector<ExtractedFact>& facts, const std::string& key) {
  std::vector<std::string> out;
  for (const auto& f : facts)
    if (f.key == key && f.value_text) out.push_back(*f.value_text);
  return out;
}

TEST(DerivedTest, Classes) {
  EXPECT_EQ(OrientationClass(100, 100), "square");
  EXPECT_EQ(OrientationClass(102, 100), "square");
  EXPECT_EQ(OrientationClass(4000, 3000), "landscape");
  EXPECT_EQ(OrientationClass(3000, 4000), "portrait");
  EXPECT_EQ(AspectClass(4000, 3000), "standard");
  EXPECT_EQ(AspectClass(1920, 1080), "wide");
  EXPECT_EQ(AspectClass(6000, 1500), "panorama");
  EXPECT_EQ(AspectClass(1080, 1920), "tall");
  EXPECT_EQ(BrightnessClass(0.1), "dark");
  EXPECT_EQ(BrightnessClass(0.3), "dim");
  EXPECT_EQ(BrightnessClass(0.5), "");
  EXPECT_EQ(BrightnessClass(0.9), "bright");
}

TEST(DerivedTest, FactsFromStats) {
  ColourStats st;
  st.dominant = {{"red", 0.6}, {"white", 0.3}};
  st.brightness = 0.8;
  st.colourfulness = 0.05;
  st.screenshot_score = 0.9;
  auto facts = DerivedFacts(1200, 1600, st);
  EXPECT_EQ(Values(facts, "colour"), (std::vector<std::string>{"red", "white"}));
  EXPECT_EQ(Values(facts, "orientation"), (std::vector<std::string>{"portrait"}));
  EXPECT_EQ(Values(facts, "brightness"), (std::vector<std::string>{"bright"}));
  EXPECT_EQ(Values(facts, "kind"), (std::vector<std::string>{"screenshot", "document"}));
  EXPECT_EQ(Values(facts, "megapixels"), (std::vector<std::string>{"1.9 megapixels"}));
  ASSERT_TRUE(facts.back().value_json);
  auto j = nlohmann::json::parse(*facts.back().value_json);
  EXPECT_EQ(j["orientation"], "portrait");
  EXPECT_DOUBLE_EQ(j["colours"]["red"].get<double>(), 0.6);
  for (const auto& f : facts) EXPECT_EQ(f.fact_type, "derived");
}

TEST(DerivedTest, CorpusEspressoIsRedAndTextIsScreenshot) {
  auto facts_of = [](const std::string& rel) {
    auto img = DecodeRgb(testing::CorpusPath(rel), kDerivedThumbSide);
    EXPECT_TRUE(img.ok()) << rel << ": " << img.status().ToString();
    if (!img.ok()) return std::vector<ExtractedFact>{};
    return DerivedFacts(img->width, img->height, AnalyzeColours(DerivedThumbnail(*img)));
  };
  auto espresso = facts_of("photos/photo-03.png");
  auto colours = Values(espresso, "colour");
  EXPECT_NE(std::find(colours.begin(), colours.end(), "red"), colours.end());
  EXPECT_TRUE(Values(espresso, "kind").empty());
  auto dialog = facts_of("ocr/ocr-07.png");
  auto kinds = Values(dialog, "kind");
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "screenshot"), kinds.end());
}

}  // namespace
}  // namespace qimg::facts
