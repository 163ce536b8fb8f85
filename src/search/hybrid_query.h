// The fusion half of `qimg query` (SPEC §9.4-9.5 with §15 items 8-11 fixed), as a pure function
// over ranked channel lists so it can be tested with fake lists. The Engine (app/query_ops.cc)
// runs the retrievals and hands their lists here.
//
// Fixed weak spots:
//   * min_score is applied ONCE, to the final score (the original also cut every lexical and
//     vector list, so bm25-normalised totals and (cos+1)/2 image scores vanished early);
//   * `num` / `all` bound the result count; rerank_candidates only bounds how many results the
//     reranker scores (the original never returned more than rerank_candidates);
//   * the RRF top-rank bonuses are multiplied by the list weight by default (RankBonus).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "search/fusion.h"
#include "search/result.h"

namespace qimg {

// "original" | "weighted" | "none"; nullopt for anything else.
std::optional<RankBonus> ParseRankBonus(const std::string& text);
const char* RankBonusName(RankBonus bonus);

// One sub-query's retrieval results. Either list may be empty (channel not run, or no hits).
struct SubQueryLists {
  std::string query;
  double weight = 1.0;
  // Lexical rows best first, with lexical_total/namefolder/context/facts filled.
  std::vector<ScoredId> lexical;
  // Merged vector rows best first (SPEC §9.1): overall = merged score; vector_image,
  // vector_ocr, lexical_ocr = that channel's raw score when it had one.
  std::vector<ScoredId> vector;
};

// Scores the first candidates against the ORIGINAL query, in [0, 1]. Implementations: the
// overlap reranker (SPEC §9.5, app/query_ops.cc) and, once src/nn has a BERT/XLM-R encoder,
// a cross-encoder on the text engine.
class Reranker {
 public:
  virtual ~Reranker() = default;
  virtual const char* name() const = 0;
  // One score per id, same order. An error fails the query (it is an I/O or model failure).
  virtual Result<std::vector<double>> Score(const std::string& query,
                                            const std::vector<std::string>& ids) = 0;
};

struct HybridOptions {
  int rrf_k = 60;
  RankBonus rank_bonus = RankBonus::kWeighted;
  int rerank_candidates = 30;  // how many of the fused ranking the reranker scores
  int num = 10;                // results wanted (>= 1) unless all
  bool all = false;
  double min_score = 0.0;      // on the final overall score, when > 0
};

// Where an item's fused score came from: list `list` (index into HybridTrace::lists) ranked it
// `rank` (1-based), adding `amount` (weight/(k+rank) + the rank bonus).
struct ListContribution {
  int list = 0;
  int rank = 0;
  double amount = 0;
};
struct HybridTrace {
  std::vector<std::string> lists;  // "lexical 'red car' w=1", "vector 'red automobile' w=2"
  std::map<std::string, std::vector<ListContribution>> contributions;  // by asset id
  std::string reranker;            // name of the reranker used, empty when none
};

// SPEC §9.4-9.5: lists in sub-query order (lexical, then vector, each when non-empty); weighted
// RRF; norm = fused / max fused; the first rerank_candidates get a rerank score blended by
// position (BlendRerank); the rest are ranked after them with overall = 0.40 * norm (the blend
// of the tail with a rerank score of 0, so they never jump over reranked candidates). Without a
// reranker overall = norm. Then stable sort, min_score once, num cut. Score fields per
// SPEC §1.5 (rrf = raw fused; lexical_* from the id's best lexical row; vector* and lexical_ocr
// the maxima over vector lists). trace may be null.
Result<std::vector<ScoredId>> FuseHybrid(const std::string& query,
                                         const std::vector<SubQueryLists>& subqueries,
                                         const HybridOptions& options, Reranker* reranker,
                                         HybridTrace* trace);

}  // namespace qimg
