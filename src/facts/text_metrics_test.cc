#include "facts/text_metrics.h"

#include <gtest/gtest.h>

namespace qimg::facts {
namespace {

TEST(TextMetricsTest, CollapseWhitespace) {
  EXPECT_EQ(CollapseWhitespace("  a\n\nb   c\t"), "a b c");
  EXPECT_EQ(CollapseWhitespace(""), "");
}

TEST(TextMetricsTest, StripRuleLines) {
  EXPECT_EQ(StripRuleLines("A\n--------\nB\n  ====  \nC"), "A\nB\nC");
  EXPECT_EQ(StripRuleLines("a - b\n---"), "a - b\n---");
}

TEST(TextMetricsTest, EditDistance) {
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("café", "cafe"), 1u);  // one code point, not two bytes
}

TEST(TextMetricsTest, CharacterErrorRate) {
  EXPECT_DOUBLE_EQ(CharacterErrorRate("ab  cd", "ab\ncd"), 0.0);
  EXPECT_DOUBLE_EQ(CharacterErrorRate("abcd", "abcf"), 0.25);
  EXPECT_DOUBLE_EQ(CharacterErrorRate("", ""), 0.0);
  EXPECT_DOUBLE_EQ(CharacterErrorRate("", "x"), 1.0);
}

}  // namespace
}  // namespace qimg::facts
