// Parameter validation of the gallery API (the HTTP routes are covered end to end in
// tests/e2e/web_test.cc).
#include "web/api.h"

#include <gtest/gtest.h>

namespace qimg::web {
namespace {

TEST(WebApi, AssetIdsAreHashPlusHexOnly) {
  EXPECT_TRUE(IsValidAssetId("#00ab12"));
  EXPECT_TRUE(IsValidAssetId("00AB12"));
  EXPECT_FALSE(IsValidAssetId(""));
  EXPECT_FALSE(IsValidAssetId("#"));
  EXPECT_FALSE(IsValidAssetId("../../etc/passwd"));
  EXPECT_FALSE(IsValidAssetId("#12/34"));
  EXPECT_FALSE(IsValidAssetId("#xyz"));
  EXPECT_FALSE(IsValidAssetId(std::string(65, 'a')));
}

TEST(WebApi, ParsesSearchParameters) {
  Params p{{"q", " cat "}, {"mode", "vsearch"}, {"n", "10"}, {"offset", "20"},
           {"collection", "photos"}, {"min_width", "640"}, {"after", ""}};
  auto r = ParseSearchRequest(p);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->query, "cat");
  EXPECT_EQ(r->mode, "vsearch");
  EXPECT_EQ(r->n, 10);
  EXPECT_EQ(r->offset, 20);
  EXPECT_EQ(r->filters.collection, "photos");
  EXPECT_EQ(r->filters.min_width, 640);
  EXPECT_FALSE(r->filters.after.has_value());  // empty form fields mean "no filter"
}

TEST(WebApi, RejectsBadParametersByName) {
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"n", "0"}, {"n", "201"}, {"n", "1e3"}, {"offset", "-1"}, {"mode", "sql"},
           {"min_height", "tall"}}) {
    auto r = ParseSearchRequest(Params{{key, value}});
    ASSERT_FALSE(r.ok()) << key << "=" << value;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    if (key != "mode") {
      EXPECT_NE(r.status().message().find(key), std::string::npos);
    }
  }
}

TEST(WebApi, CapabilitiesAlwaysOfferLexicalSearch) {
  ojson c = Capabilities();
  EXPECT_TRUE(c["modes"]["search"]["available"].get<bool>());
  EXPECT_TRUE(c["modes"].contains("vsearch"));
  EXPECT_TRUE(c["similar"].is_boolean());
}

}  // namespace
}  // namespace qimg::web
