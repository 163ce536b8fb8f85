#include "search/wordnet.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace qimg {

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(WordnetTest, SynonymsAndHypernymsFromDebianWordnet) {
  auto wn = Wordnet::Open();
  if (!wn.ok()) GTEST_SKIP() << wn.status().message();  // wordnet-base is a CI dependency
  auto car = (*wn)->Expand("car");
  EXPECT_TRUE(Has(car.synonyms, "auto") || Has(car.synonyms, "automobile")) << car.synonyms.size();
  EXPECT_TRUE(Has(car.hypernyms, "motor vehicle"));
  EXPECT_FALSE(Has(car.synonyms, "car"));
  auto dog = (*wn)->Expand("Dog");
  EXPECT_TRUE(Has(dog.hypernyms, "canine") || Has(dog.hypernyms, "domestic animal"));
  auto none = (*wn)->Expand("qwertyzzz");
  EXPECT_TRUE(none.synonyms.empty());
  EXPECT_TRUE((*wn)->Expand("").synonyms.empty());
  // Deterministic.
  EXPECT_EQ((*wn)->Expand("beach").synonyms, (*wn)->Expand("beach").synonyms);
}

TEST(WordnetTest, MissingFolderIsUnavailable) {
  auto wn = Wordnet::Open("/nonexistent");
  EXPECT_FALSE(wn.ok());
}

}  // namespace qimg
