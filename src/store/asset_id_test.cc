#include "store/asset_id.h"

#include <gtest/gtest.h>

#include "store/legacy_migration.h"

namespace qimg {

TEST(AssetIdTest, CandidateIsStableHexOfSha1) {
  // SPEC §3.3 example: collection 1, "2024/trip.jpg", salt 0 -> "#03d12b" with 6 digits.
  EXPECT_EQ(CandidateAssetId(1, "2024/trip.jpg", 0, 6), "#03d12b");
  EXPECT_EQ(CandidateAssetId(1, "2024/TRIP.jpg", 0, 6), "#03d12b");
  EXPECT_EQ(CandidateAssetId(1, "2024/trip.jpg", 0).size(), 9u);
}

TEST(AssetIdTest, LegacyAndUserInput) {
  EXPECT_EQ(LegacyAssetId(10), "#00000a");
  EXPECT_EQ(*NormalizeIdInput(" #0x0A "), "#0a");
  EXPECT_EQ(*NormalizeIdInput("#AB_CD"), "#abcd");
  EXPECT_FALSE(NormalizeIdInput("abcd"));
  EXPECT_FALSE(NormalizeIdInput("#xyz"));
}

TEST(AssetIdTest, LegacyTags) {
  EXPECT_EQ(ParseLegacyTags("cat,dog"), (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(ParseLegacyTags("Cat | dog; cat"), (std::vector<std::string>{"Cat", "dog"}));
  EXPECT_EQ(ParseLegacyTags("cat dog  bird"), (std::vector<std::string>{"cat", "dog", "bird"}));
}

}  // namespace qimg
