// Object facts from the tiny DETR on the detr-tiny image files (decoded by media/) against the
// golden `qimg_objects` lists (SPEC §6.2 on top of the 0.3 detections), plus the selection rules
// on hand-made detections: lowercased trimmed labels, best per label, score order, the cap.
#include "facts/object_facts.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "media/decode.h"

namespace qimg::facts {
namespace {

std::string DetrDir() { return std::string(QIMG_TESTDATA_DIR) + "/detr-tiny"; }

nn::LabeledDetection Det(int query, const std::string& label, float score) {
  nn::LabeledDetection d;
  d.detection.query = query;
  d.detection.score = score;
  for (int k = 0; k < 4; ++k) d.detection.box_xyxy[k] = static_cast<float>(query + k);
  d.label = label;
  return d;
}

TEST(ObjectFactsTest, SelectionRules) {
  std::vector<nn::LabeledDetection> dets = {Det(0, " Cat ", 0.4f), Det(1, "dog", 0.9f),
                                            Det(2, "cat", 0.7f), Det(3, "Traffic Light", 0.5f)};
  auto facts = ObjectFacts(dets);
  ASSERT_EQ(facts.size(), 3u);
  EXPECT_EQ(*facts[0].value_text, "dog");
  EXPECT_EQ(*facts[1].value_text, "cat");
  EXPECT_EQ(*facts[1].key, "cat");
  EXPECT_NEAR(*facts[1].confidence, 0.7, 1e-7);
  EXPECT_EQ(*facts[1].value_json, "{\"bbox_xyxy\": [2.0, 3.0, 4.0, 5.0]}");  // query 2's box
  EXPECT_EQ(*facts[2].value_text, "traffic light");
  EXPECT_EQ(facts[0].fact_type, "object");
  std::vector<nn::LabeledDetection> many;
  for (int i = 0; i < 20; ++i) many.push_back(Det(i, "l" + std::to_string(i), 0.31f + i * 0.01f));
  auto capped = ObjectFacts(many);
  ASSERT_EQ(capped.size(), static_cast<size_t>(kMaxObjects));
  EXPECT_EQ(*capped[0].value_text, "l19");
  EXPECT_EQ(ObjectSource(" detr "), "object_detector:detr:cpu");
}

TEST(ObjectFactsTest, TinyDetectorMatchesGoldenObjects) {
  auto detector = nn::DetrDetector::Load(DetrDir());
  ASSERT_TRUE(detector.ok()) << detector.status().ToString();
  auto text = ReadFileToString(DetrDir() + "/golden.json");
  ASSERT_TRUE(text.ok());
  const auto golden = nlohmann::json::parse(*text);
  for (const auto& im : golden["images"]) {
    SCOPED_TRACE(im["file"].get<std::string>());
    auto rgb = DecodeRgb(DetrDir() + "/" + im["file"].get<std::string>());
    ASSERT_TRUE(rgb.ok());
    auto dets = (*detector)->Detect(*rgb, kObjectThreshold);
    ASSERT_TRUE(dets.ok()) << dets.status().ToString();
    auto facts = ObjectFacts(*dets);
    const auto& want = im["qimg_objects"];
    ASSERT_EQ(facts.size(), want.size());
    for (size_t i = 0; i < facts.size(); ++i) {
      EXPECT_EQ(*facts[i].value_text, want[i]["label"].get<std::string>());
      EXPECT_NEAR(*facts[i].confidence, want[i]["score"].get<double>(), 3e-5);
      auto box = nlohmann::json::parse(*facts[i].value_json)["bbox_xyxy"];
      ASSERT_EQ(box.size(), 4u);
      for (int k = 0; k < 4; ++k)
        EXPECT_NEAR(box[k].get<double>(), want[i]["bbox_xyxy"][k].get<double>(), 0.02);
    }
  }
}

}  // namespace
}  // namespace qimg::facts
