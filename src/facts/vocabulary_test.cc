#include "facts/vocabulary.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace qimg::facts {
namespace {

TEST(VocabularyTest, AtLeastAThousandDistinctConceptsInEveryCategory) {
  const auto& v = Vocabulary();
  EXPECT_GE(v.size(), 1000u);
  std::set<std::string> labels;
  std::map<std::string, int> per_category;
  for (const auto& c : v) {
    EXPECT_TRUE(labels.insert(c.label).second) << c.label;
    EXPECT_FALSE(c.label.empty());
    EXPECT_EQ(c.label.find('#'), std::string::npos);
    ++per_category[c.category];
  }
  for (const char* cat : {"animals", "food", "objects", "scenes", "activities", "events", "styles"})
    EXPECT_GT(per_category[cat], 40) << cat;
  EXPECT_EQ(VocabularyHash().size(), 64u);
}

TEST(VocabularyTest, ParseSkipsCommentsAndBlankLines) {
  auto v = ParseVocabulary("# header\nDog\n\n  red fox  # comment\n", "animals");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].label, "dog");
  EXPECT_EQ(v[1].label, "red fox");
  EXPECT_EQ(v[1].category, "animals");
}

}  // namespace
}  // namespace qimg::facts
