#include "search/fusion.h"

#include <gtest/gtest.h>

namespace qimg {

// SPEC §9.4's worked example: lists [1,2,3] (weight 2) and [2,3,4] (weight 1), k = 60.
TEST(FusionTest, OriginalRrfExample) {
  auto fused = FuseRanked({{{"1", "2", "3"}, 2.0}, {{"2", "3", "4"}, 1.0}}, 60, RankBonus::kOriginal);
  ASSERT_EQ(fused.size(), 4u);
  EXPECT_EQ(fused[0].id, "2");
  EXPECT_NEAR(fused[0].score, 0.11865, 5e-5);
  EXPECT_EQ(fused[1].id, "3");
  EXPECT_NEAR(fused[1].score, 0.08789, 5e-5);
  EXPECT_EQ(fused[2].id, "1");
  EXPECT_NEAR(fused[2].score, 0.08279, 5e-5);
  EXPECT_EQ(fused[3].id, "4");
  EXPECT_NEAR(fused[3].score, 0.03587, 5e-5);
}

TEST(FusionTest, WeightedBonusesAndTies) {
  auto none = FuseRanked({{{"a", "b"}, 1.0}, {{"b", "a"}, 1.0}}, 60, RankBonus::kNone);
  ASSERT_EQ(none.size(), 2u);
  EXPECT_DOUBLE_EQ(none[0].score, none[1].score);
  EXPECT_EQ(none[0].id, "a");  // tie: first appearance wins
  auto w = FuseRanked({{{"x"}, 2.0}}, 60, RankBonus::kWeighted);
  EXPECT_NEAR(w[0].score, 2.0 / 61 + 0.10, 1e-12);
  EXPECT_TRUE(FuseRanked({}, 60, RankBonus::kOriginal).empty());
}

TEST(FusionTest, OverlapRerankAndBlend) {
  EXPECT_DOUBLE_EQ(OverlapRerankScore("", "a", "b", "c", "d"), 0.0);
  double s = OverlapRerankScore("sunset beach", "sunset beach jpg", "vacation album", "beach", "");
  EXPECT_NEAR(s, 0.25 * 1.0 + 0.30 * 0.5, 1e-12);
  EXPECT_LE(OverlapRerankScore("a b", "ab ab", "ab", "ab", "ab"), 1.0);
  EXPECT_DOUBLE_EQ(BlendRerank(1, 1.0, 0.0), 0.75);
  EXPECT_DOUBLE_EQ(BlendRerank(5, 1.0, 0.0), 0.60);
  EXPECT_DOUBLE_EQ(BlendRerank(11, 1.0, 0.0), 0.40);
}

}  // namespace qimg
