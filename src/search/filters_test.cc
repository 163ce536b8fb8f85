#include "search/filters.h"

#include <gtest/gtest.h>

namespace qimg {
namespace {

TEST(FiltersTest, EmptyArgsGiveEmptyFilter) {
  auto f = ParseFilterArgs({});
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->IsEmpty());
}

TEST(FiltersTest, BareDaysAreInclusiveWholeDays) {
  FilterArgs a;
  a.after = "2024-01-31";
  a.before = "2024-02-01";
  auto f = ParseFilterArgs(a);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(*f->captured_from, "2024-01-31T00:00:00");
  EXPECT_EQ(*f->captured_to, "2024-02-01T23:59:59");
}

TEST(FiltersTest, DateTimesAreKept) {
  FilterArgs a;
  a.after = "2024-01-31T10:20";
  a.before = "2024-01-31 10:20:30";
  auto f = ParseFilterArgs(a);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(*f->captured_from, "2024-01-31T10:20:00");
  EXPECT_EQ(*f->captured_to, "2024-01-31T10:20:30");
}

TEST(FiltersTest, UnparsableDatesNameTheFlag) {
  for (const char* bad : {"yesterday", "2024-13-01", "2024-02-30", "", "2024-01-01T25:00", "2024/01/01"}) {
    FilterArgs a;
    a.after = bad;
    auto f = ParseFilterArgs(a);
    ASSERT_FALSE(f.ok()) << bad;
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(f.status().message().find("--after"), std::string::npos);
    FilterArgs b;
    b.before = bad;
    auto g = ParseFilterArgs(b);
    ASSERT_FALSE(g.ok()) << bad;
    EXPECT_NE(g.status().message().find("--before"), std::string::npos);
  }
}

TEST(FiltersTest, VirtualPathPrefixSetsCollection) {
  FilterArgs a;
  a.path_prefix = "qimg://photos/2024/japan";
  auto f = ParseFilterArgs(a);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f->collection, "photos");
  EXPECT_EQ(*f->path_prefix, "2024/japan");

  FilterArgs whole;
  whole.path_prefix = "qimg://photos";
  auto g = ParseFilterArgs(whole);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(*g->collection, "photos");
  EXPECT_FALSE(g->path_prefix.has_value());

  FilterArgs same = a;
  same.collection = "photos";
  EXPECT_TRUE(ParseFilterArgs(same).ok());

  FilterArgs conflict = a;
  conflict.collection = "other";
  EXPECT_FALSE(ParseFilterArgs(conflict).ok());

  FilterArgs nameless;
  nameless.path_prefix = "qimg:///x";
  EXPECT_FALSE(ParseFilterArgs(nameless).ok());
}

TEST(FiltersTest, PlainPrefixIsKeptLiterally) {
  FilterArgs a;
  a.path_prefix = "a_b%/";
  auto f = ParseFilterArgs(a);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f->path_prefix, "a_b%/");
  EXPECT_FALSE(f->collection.has_value());
}

TEST(FiltersTest, NegativeSizesAreRejected) {
  FilterArgs a;
  a.min_width = -1;
  EXPECT_FALSE(ParseFilterArgs(a).ok());
  FilterArgs b;
  b.min_height = -5;
  EXPECT_FALSE(ParseFilterArgs(b).ok());
}

TEST(FiltersTest, SqlNumbersParametersFromTheGivenIndex) {
  AssetFilter f;
  f.collection = "c";
  f.path_prefix = "p/";
  f.min_width = 10;
  SqlCondition c = AssetFilterSql(f, 3);
  EXPECT_EQ(c.sql.rfind("a.is_deleted = 0", 0), 0u);
  EXPECT_NE(c.sql.find("c.name = ?3"), std::string::npos);
  EXPECT_NE(c.sql.find("substr(a.rel_path, 1, length(?4)) = ?4"), std::string::npos);
  EXPECT_NE(c.sql.find("COALESCE(a.width, 0) >= ?5"), std::string::npos);
  EXPECT_EQ(c.params.size(), 3u);
  EXPECT_EQ(c.sql.find("LIKE"), std::string::npos);
}

}  // namespace
}  // namespace qimg
