#include "search/query_expansion.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace qimg {
namespace {

bool AnyContains(const ExpandedQuery& e, const std::string& word) {
  for (const auto& s : e.subqueries)
    if (s.text.find(word) != std::string::npos) return true;
  return false;
}

// SPEC §14 test_query_expand_fallback, with the original templates.
TEST(QueryExpansionTest, OriginalTemplates) {
  auto a = OriginalExpansions("minimalist white kitchen", 2);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0], "minimalist white kitchen objects subjects details minimalist white kitchen");
  EXPECT_EQ(a[1], "minimalist white kitchen style composition setting time period minimalist white kitchen");
  EXPECT_EQ(a, OriginalExpansions("minimalist white kitchen", 2));
  for (const auto& e : a) EXPECT_NE(e.find("kitchen"), std::string::npos);
  auto q = ExpandQuery("minimalist white kitchen", ExpansionMode::kOriginal, {}, nullptr, nullptr);
  ASSERT_EQ(q.subqueries.size(), 3u);
  EXPECT_DOUBLE_EQ(q.subqueries[0].weight, 2.0);
  EXPECT_DOUBLE_EQ(q.subqueries[1].weight, 1.0);
  EXPECT_TRUE(q.subqueries[1].vector && q.subqueries[1].lexical);
  EXPECT_TRUE(q.image_prompts.empty());
}

TEST(QueryExpansionTest, KeywordsAndBias) {
  EXPECT_EQ(QueryKeywords("The cat on a Red mat, the CAT"),
            (std::vector<std::string>{"cat", "red", "mat"}));
  EXPECT_EQ(LexicalChannelBias("q objects details"), std::make_pair(0.95, 1.25));
  EXPECT_EQ(LexicalChannelBias("red car"), std::make_pair(1.20, 0.95));
  EXPECT_EQ(LexicalChannelBias("a red car parked"), std::make_pair(1.0, 1.0));
  EXPECT_EQ(LexicalChannelBias("a red car style"), std::make_pair(1.20, 0.95));
}

TEST(QueryExpansionTest, NoneModeIsTheQueryAlone) {
  auto q = ExpandQuery("sunset", ExpansionMode::kNone, {}, nullptr, nullptr);
  ASSERT_EQ(q.subqueries.size(), 1u);
  EXPECT_EQ(q.subqueries[0].text, "sunset");
  EXPECT_EQ(ParseExpansionMode("WordNet"), ExpansionMode::kWordnet);
  EXPECT_FALSE(ParseExpansionMode("llm").has_value());
}

TEST(QueryExpansionTest, VocabularyWithoutWordnet) {
  VocabularyIndex vocab({"car", "dog"}, nullptr);
  EXPECT_TRUE(vocab.Contains("car"));
  EXPECT_TRUE(vocab.ConceptsFor("automobile").empty());
  auto q = ExpandQuery("automobile", ExpansionMode::kWordnet, {}, nullptr, &vocab);
  ASSERT_EQ(q.subqueries.size(), 1u);  // nothing to add without WordNet
  ASSERT_FALSE(q.image_prompts.empty());
  EXPECT_EQ(q.image_prompts[1], "a photo of automobile.");
}

TEST(QueryExpansionTest, WordnetSynonymsAndVocabulary) {
  auto wn = Wordnet::Open();
  if (!wn.ok()) GTEST_SKIP() << wn.status().message();  // wordnet-base is a CI dependency
  VocabularyIndex vocab({"dog", "car", "beach", "kitchen", "motorcycle"}, wn->get());
  auto cars = vocab.ConceptsFor("automobile");
  EXPECT_NE(std::find(cars.begin(), cars.end(), "car"), cars.end());
  ExpansionLimits limits;
  limits.lexical_expansions = 4;
  auto q = ExpandQuery("automobile", ExpansionMode::kWordnet, limits, wn->get(), &vocab);
  ASSERT_GE(q.subqueries.size(), 2u);
  EXPECT_LE(q.subqueries.size(), 5u);
  EXPECT_EQ(q.subqueries[0].text, "automobile");
  EXPECT_DOUBLE_EQ(q.subqueries[0].weight, 2.0);
  EXPECT_TRUE(q.subqueries[0].vector);
  EXPECT_EQ(q.subqueries[1].text, "car");  // the vocabulary concept comes first
  EXPECT_FALSE(q.subqueries[1].vector);
  EXPECT_DOUBLE_EQ(q.subqueries[1].weight, 1.0);
  // Deterministic, and the other keywords stay in each sub-query.
  auto again = ExpandQuery("automobile", ExpansionMode::kWordnet, limits, wn->get(), &vocab);
  ASSERT_EQ(q.subqueries.size(), again.subqueries.size());
  for (size_t i = 0; i < q.subqueries.size(); ++i) EXPECT_EQ(q.subqueries[i].text, again.subqueries[i].text);
  auto k = ExpandQuery("minimalist white kitchen", ExpansionMode::kWordnet, limits, wn->get(), &vocab);
  EXPECT_GE(k.subqueries.size(), 2u);
  for (size_t i = 1; i < k.subqueries.size(); ++i) {
    int kept = (k.subqueries[i].text.find("minimalist") != std::string::npos) +
               (k.subqueries[i].text.find("white") != std::string::npos) +
               (k.subqueries[i].text.find("kitchen") != std::string::npos);
    EXPECT_GE(kept, 2) << k.subqueries[i].text;  // one word substituted, the others kept
  }
  EXPECT_TRUE(AnyContains(ExpandQuery("puppy", ExpansionMode::kWordnet, limits, wn->get(), &vocab), "dog"));
  // Plurals are looked up by their base form, which is itself an alternative.
  auto lemons = ExpandQuery("lemons", ExpansionMode::kWordnet, limits, wn->get(), &vocab);
  ASSERT_GE(lemons.subqueries.size(), 2u);
  EXPECT_EQ(lemons.subqueries[1].text, "lemon");
  limits.lexical_expansions = 0;
  EXPECT_EQ(ExpandQuery("automobile", ExpansionMode::kWordnet, limits, wn->get(), &vocab).subqueries.size(), 1u);
}

}  // namespace
}  // namespace qimg
