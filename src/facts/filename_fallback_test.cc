#include "facts/filename_fallback.h"

#include <gtest/gtest.h>

namespace qimg::facts {
namespace {

TEST(FilenameFallbackTest, TagsFromFolderAndStem) {
  auto t = FilenameTags("trips/japan/IMG_2024_tokyo.jpg");
  std::vector<std::string> labels;
  for (const auto& f : t) {
    labels.push_back(*f.value_text);
    EXPECT_EQ(f.fact_type, "tag");
    EXPECT_FALSE(f.confidence.has_value());
  }
  EXPECT_EQ(labels, (std::vector<std::string>{"trips", "japan", "img", "2024", "tokyo"}));
}

TEST(FilenameFallbackTest, Caption) {
  EXPECT_EQ(*FilenameCaption("2024/sunset_beach-01.jpg").value_text, "Image likely related to sunset beach 01.");
  EXPECT_EQ(*FilenameCaption("___.png").value_text, "Image likely related to untitled image.");
}

}  // namespace
}  // namespace qimg::facts
