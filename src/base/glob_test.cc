#include "base/glob.h"

#include <gtest/gtest.h>

namespace qimg {

TEST(GlobTest, DefaultMaskMatchesEverywhereCaseInsensitively) {
  auto g = GlobMask::Compile("**/*.{jpg,jpeg,png,webp,tif,tiff,heic}");
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(g->Matches("a.jpg"));
  EXPECT_TRUE(g->Matches("x/y/IMG_1.JPG"));
  EXPECT_TRUE(g->Matches("deep/a.heic"));
  EXPECT_FALSE(g->Matches("notes.txt"));
  EXPECT_FALSE(g->Matches("a.jpg.txt"));
}

TEST(GlobTest, DirectoryPartsAndNamePatternsCount) {
  auto g = GlobMask::Compile("2024/**/IMG_*.jpg");
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(g->Matches("2024/IMG_1.jpg"));
  EXPECT_TRUE(g->Matches("2024/a/b/img_2.JPG"));
  EXPECT_FALSE(g->Matches("2023/IMG_1.jpg"));
  EXPECT_FALSE(g->Matches("2024/DSC_1.jpg"));
  auto q = GlobMask::Compile("photo-??.png");
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->Matches("any/photo-01.png"));
  EXPECT_FALSE(q->Matches("photo-1.png"));
  auto s = GlobMask::Compile("*/[a-c]*.png");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->Matches("x/apple.png"));
  EXPECT_FALSE(s->Matches("x/delta.png"));
  EXPECT_FALSE(s->Matches("x/y/apple.png"));
}

TEST(GlobTest, BadMasksAreErrors) {
  EXPECT_FALSE(GlobMask::Compile("").ok());
  EXPECT_FALSE(GlobMask::Compile("*.{jpg").ok());
  EXPECT_FALSE(GlobMask::Compile("*.jpg}").ok());
  EXPECT_FALSE(GlobMask::Compile("[abc").ok());
}

TEST(GlobTest, ShellPattern) {
  EXPECT_TRUE(ShellPatternMatch("*/trip*.jpg", "/data/2024/trip1.jpg"));
  EXPECT_FALSE(ShellPatternMatch("*.JPG", "a.jpg"));
  EXPECT_TRUE(ShellPatternMatch("[!b]*", "abc"));
}

}  // namespace qimg
