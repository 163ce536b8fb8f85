#include "base/text.h"

#include <gtest/gtest.h>

namespace qimg {

TEST(TextTest, PyFloatMatchesPythonRepr) {
  EXPECT_EQ(FormatPyFloat(1.0), "1.0");
  EXPECT_EQ(FormatPyFloat(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatPyFloat(1e-7), "1e-07");
  EXPECT_EQ(FormatPyFloat(1e16), "1e+16");
  EXPECT_EQ(FormatPyFloat(123456.5), "123456.5");
  EXPECT_EQ(FormatPyFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatPyFloat(-2.5), "-2.5");
  EXPECT_EQ(FormatPyFloat(0.0), "0.0");
  EXPECT_EQ(FormatPyFloat(1.5e-5), "1.5e-05");
}

TEST(TextTest, AsciiTokens) {
  auto t = AsciiTokens("IMG_0042.JPG café");
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0], "img");
  EXPECT_EQ(t[1], "0042");
  EXPECT_EQ(t[2], "jpg");
  EXPECT_EQ(t[3], "caf");
}

TEST(TextTest, Utf8Sanitize) {
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9"));
  EXPECT_FALSE(IsValidUtf8("\xFF\xFE"));
  EXPECT_EQ(SanitizeUtf8("a\xFFz"), "a\xEF\xBF\xBDz");
}

TEST(TextTest, TrimSplitJoin) {
  EXPECT_EQ(Trim("  a b \n"), "a b");
  EXPECT_EQ(Join(Split("a,b,,c", ','), "|"), "a|b||c");
}

}  // namespace qimg
