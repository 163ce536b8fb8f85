#include "search/hybrid_query.h"

#include <gtest/gtest.h>

#include <cmath>

namespace qimg {
namespace {

ScoredId Lex(const std::string& id, double total) {
  ScoredId s;
  s.id = id;
  s.scores.overall = total;
  s.scores.lexical_total = total;
  s.scores.lexical_namefolder = total / 2;
  s.scores.lexical_context = 0.0;
  s.scores.lexical_facts = total / 2;
  return s;
}

ScoredId Vec(const std::string& id, double merged, std::optional<double> image,
             std::optional<double> ocr = std::nullopt, std::optional<double> ocr_lex = std::nullopt) {
  ScoredId s;
  s.id = id;
  s.scores.overall = merged;
  s.scores.vector_image = image;
  s.scores.vector_ocr = ocr;
  s.scores.lexical_ocr = ocr_lex;
  return s;
}

std::vector<ScoredId> Ids(std::initializer_list<const char*> ids) {
  std::vector<ScoredId> out;
  double s = 1.0;
  for (const char* id : ids) out.push_back(Lex(id, s -= 0.01));
  return out;
}

class FixedReranker : public Reranker {
 public:
  explicit FixedReranker(std::map<std::string, double> s) : scores_(std::move(s)) {}
  const char* name() const override { return "fixed"; }
  Result<std::vector<double>> Score(const std::string& query,
                                    const std::vector<std::string>& ids) override {
    last_query = query;
    last_ids = ids;
    std::vector<double> out;
    for (const auto& id : ids) out.push_back(scores_.count(id) ? scores_.at(id) : 0.0);
    return out;
  }
  std::string last_query;
  std::vector<std::string> last_ids;

 private:
  std::map<std::string, double> scores_;
};

// SPEC §9.4's example through the real pipeline: lists [1,2,3] (w 2) and [2,3,4] (w 1).
TEST(HybridQueryTest, SpecRrfExampleThroughThePipeline) {
  SubQueryLists a{"q", 2.0, Ids({"1", "2", "3"}), {}};
  SubQueryLists b{"q objects", 1.0, Ids({"2", "3", "4"}), {}};
  HybridOptions o;
  o.rank_bonus = RankBonus::kOriginal;
  HybridTrace trace;
  auto r = FuseHybrid("q", {a, b}, o, nullptr, &trace);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].id, "2");
  EXPECT_NEAR(*(*r)[0].scores.rrf, 0.11865, 5e-5);
  EXPECT_EQ((*r)[1].id, "3");
  EXPECT_NEAR(*(*r)[1].scores.rrf, 0.08789, 5e-5);
  EXPECT_EQ((*r)[2].id, "1");
  EXPECT_NEAR(*(*r)[2].scores.rrf, 0.08279, 5e-5);
  EXPECT_EQ((*r)[3].id, "4");
  EXPECT_DOUBLE_EQ((*r)[0].scores.overall, 1.0);  // reranker off: norm
  EXPECT_NEAR((*r)[3].scores.overall, 0.03587 / 0.11865, 1e-3);
  EXPECT_FALSE((*r)[0].scores.rerank.has_value());
  // The trace explains every fused score.
  ASSERT_EQ(trace.lists.size(), 2u);
  for (const auto& item : *r) {
    double sum = 0;
    for (const auto& c : trace.contributions.at(item.id)) sum += c.amount;
    EXPECT_NEAR(sum, *item.scores.rrf, 1e-12) << item.id;
  }
  // test_rrf: item 2 outranks 1 and 3 with the weighted bonus too.
  o.rank_bonus = RankBonus::kWeighted;
  auto w = FuseHybrid("q", {a, b}, o, nullptr, nullptr);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)[0].id, "2");
}

TEST(HybridQueryTest, ScoreFieldsFromEveryChannel) {
  SubQueryLists a{"invoice", 2.0, {Lex("x", 0.5)}, {Vec("x", 0.9, 0.6, 0.7, 0.8), Vec("y", 0.6, 0.6)}};
  SubQueryLists b{"bill", 1.0, {Lex("x", 0.7)}, {Vec("x", 0.95, 0.65)}};
  auto r = FuseHybrid("invoice", {a, b}, HybridOptions{}, nullptr, nullptr);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  const ScoreBreakdown& x = (*r)[0].scores;
  EXPECT_EQ((*r)[0].id, "x");
  EXPECT_DOUBLE_EQ(*x.lexical_total, 0.7);  // best lexical row
  EXPECT_DOUBLE_EQ(*x.lexical_facts, 0.35);
  EXPECT_DOUBLE_EQ(*x.vector, 0.95);
  EXPECT_DOUBLE_EQ(*x.vector_image, 0.65);
  EXPECT_DOUBLE_EQ(*x.vector_ocr, 0.7);
  EXPECT_DOUBLE_EQ(*x.lexical_ocr, 0.8);
  EXPECT_TRUE(x.rrf.has_value());
  const ScoreBreakdown& y = (*r)[1].scores;
  EXPECT_FALSE(y.lexical_total.has_value());
  EXPECT_FALSE(y.vector_ocr.has_value());
  EXPECT_DOUBLE_EQ(*y.vector_image, 0.6);
}

TEST(HybridQueryTest, NumBeyondRerankCandidatesAndAll) {
  std::vector<ScoredId> many;
  for (int i = 0; i < 120; ++i) many.push_back(Lex("id" + std::to_string(i), 1.0 - i * 0.001));
  SubQueryLists a{"q", 2.0, many, {}};
  HybridOptions o;
  o.rerank_candidates = 30;
  o.num = 100;
  FixedReranker rr({});
  auto r = FuseHybrid("q", {a}, o, &rr, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 100u);
  EXPECT_EQ(rr.last_ids.size(), 30u);  // only the candidates are reranked
  int with_rerank = 0;
  for (const auto& x : *r) with_rerank += x.scores.rerank.has_value();
  EXPECT_EQ(with_rerank, 30);
  // The unreranked tail never outranks a candidate.
  for (size_t i = 1; i < r->size(); ++i)
    EXPECT_GE((*r)[i - 1].scores.overall, (*r)[i].scores.overall);
  o.all = true;
  auto all = FuseHybrid("q", {a}, o, nullptr, nullptr);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 120u);
}

TEST(HybridQueryTest, RerankBlendsByPositionAgainstTheOriginalQuery) {
  SubQueryLists a{"red car", 2.0, Ids({"a", "b", "c", "d"}), {}};
  SubQueryLists b{"red automobile", 1.0, Ids({"d"}), {}};
  FixedReranker rr({{"a", 0.0}, {"b", 1.0}, {"c", 0.5}, {"d", 1.0}});
  HybridOptions o;
  o.rank_bonus = RankBonus::kNone;
  auto plain = FuseHybrid("red car", {a, b}, o, nullptr, nullptr);
  auto r = FuseHybrid("red car", {a, b}, o, &rr, nullptr);
  ASSERT_TRUE(plain.ok() && r.ok());
  EXPECT_EQ(rr.last_query, "red car");
  std::map<std::string, double> norm;
  std::map<std::string, int> pos;
  for (size_t i = 0; i < plain->size(); ++i) {
    norm[(*plain)[i].id] = (*plain)[i].scores.overall;
    pos[(*plain)[i].id] = static_cast<int>(i) + 1;
  }
  for (const auto& x : *r) {
    ASSERT_TRUE(x.scores.rerank.has_value());
    EXPECT_NEAR(x.scores.overall, BlendRerank(pos[x.id], norm[x.id], *x.scores.rerank), 1e-12);
  }
}

TEST(HybridQueryTest, MinScoreAppliedOnceToTheFinalScore) {
  // Lexical totals and vector scores far below 0.75 still fuse; only the final score is cut.
  SubQueryLists a{"q", 2.0, {Lex("a", 0.05), Lex("b", 0.04)}, {Vec("c", 0.55, 0.55)}};
  HybridOptions o;
  o.min_score = 0.75;
  auto r = FuseHybrid("q", {a}, o, nullptr, nullptr);
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->empty());
  for (const auto& x : *r) EXPECT_GE(x.scores.overall, 0.75);
  EXPECT_EQ((*r)[0].id, "a");  // a low lexical total did not remove it
  o.min_score = 0.0;
  auto all = FuseHybrid("q", {a}, o, nullptr, nullptr);
  EXPECT_EQ(all->size(), 3u);
}

TEST(HybridQueryTest, EmptyListsAndRerankerErrors) {
  auto none = FuseHybrid("q", {SubQueryLists{"q", 2.0, {}, {}}}, HybridOptions{}, nullptr, nullptr);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  class Broken : public Reranker {
    const char* name() const override { return "broken"; }
    Result<std::vector<double>> Score(const std::string&, const std::vector<std::string>&) override {
      return std::vector<double>{};
    }
  } broken;
  auto r = FuseHybrid("q", {SubQueryLists{"q", 2.0, Ids({"a"}), {}}}, HybridOptions{}, &broken, nullptr);
  EXPECT_FALSE(r.ok());
}

TEST(HybridQueryTest, ParseNames) {
  EXPECT_EQ(ParseRankBonus("Weighted"), RankBonus::kWeighted);
  EXPECT_EQ(ParseRankBonus("original"), RankBonus::kOriginal);
  EXPECT_EQ(ParseRankBonus("none"), RankBonus::kNone);
  EXPECT_FALSE(ParseRankBonus("bogus").has_value());
  EXPECT_STREQ(RankBonusName(RankBonus::kWeighted), "weighted");
}

}  // namespace
}  // namespace qimg
