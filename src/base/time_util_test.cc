#include "base/time_util.h"

#include <gtest/gtest.h>

namespace qimg {

TEST(TimeUtilTest, DateBoundsAreInclusiveDays) {
  EXPECT_EQ(*ParseDateBound("2024-01-31", false), "2024-01-31T00:00:00");
  EXPECT_EQ(*ParseDateBound("2024-01-31", true), "2024-01-31T23:59:59");
  EXPECT_EQ(*ParseDateBound("2024-01-31T10:20", true), "2024-01-31T10:20:59");
  EXPECT_EQ(*ParseDateBound("2024-01-31 10:20:30", false), "2024-01-31T10:20:30");
  EXPECT_FALSE(ParseDateBound("2024-02-30", false));
  EXPECT_FALSE(ParseDateBound("yesterday", false));
  EXPECT_FALSE(ParseDateBound("2024-01-31X", false));
}

TEST(TimeUtilTest, ExifDates) {
  EXPECT_EQ(*ExifDateToIso("2021:07:04 18:30:00"), "2021-07-04T18:30:00");
  EXPECT_FALSE(ExifDateToIso("0000:00:00 00:00:00"));
  EXPECT_FALSE(ExifDateToIso("garbage"));
}

TEST(TimeUtilTest, NowIsoShape) {
  std::string now = NowIso();
  EXPECT_EQ(now.substr(4, 1), "-");
  EXPECT_TRUE(now.size() >= 25u);
  EXPECT_EQ(now.substr(now.size() - 6), "+00:00");
}

}  // namespace qimg
