#include "search/hybrid_query.h"

#include <algorithm>
#include <unordered_map>

#include "base/text.h"

namespace qimg {
namespace {

// The per-item amount FuseRanked adds (kept in step with search/fusion.cc; the trace test
// checks that the amounts sum to the fused score).
double RankAmount(double weight, int k, int rank, RankBonus bonus) {
  double b = rank == 1 ? 0.05 : (rank <= 3 ? 0.02 : 0.0);
  double add = weight / (k + rank);
  if (bonus == RankBonus::kOriginal) add += b;
  else if (bonus == RankBonus::kWeighted) add += b * weight;
  return add;
}

void MaxInto(std::optional<double>* dst, const std::optional<double>& v) {
  if (v && (!*dst || *v > **dst)) *dst = v;
}

std::string Label(const char* channel, const SubQueryLists& s) {
  return std::string(channel) + " '" + s.query + "' w=" + FormatPyFloat(s.weight);
}

}  // namespace

std::optional<RankBonus> ParseRankBonus(const std::string& text) {
  std::string t = ToLowerAscii(Trim(text));
  if (t == "original") return RankBonus::kOriginal;
  if (t == "weighted") return RankBonus::kWeighted;
  if (t == "none") return RankBonus::kNone;
  return std::nullopt;
}

const char* RankBonusName(RankBonus bonus) {
  switch (bonus) {
    case RankBonus::kOriginal: return "original";
    case RankBonus::kWeighted: return "weighted";
    case RankBonus::kNone: return "none";
  }
  return "none";
}

Result<std::vector<ScoredId>> FuseHybrid(const std::string& query,
                                         const std::vector<SubQueryLists>& subqueries,
                                         const HybridOptions& options, Reranker* reranker,
                                         HybridTrace* trace) {
  HybridTrace local;
  if (!trace) trace = &local;
  std::vector<RankedList> lists;
  // Per id: the best lexical row (first seen wins ties) and the vector maxima.
  std::unordered_map<std::string, ScoreBreakdown> best;
  auto add_list = [&](const std::vector<ScoredId>& rows, double weight, std::string label) {
    if (rows.empty()) return;
    RankedList l;
    l.weight = weight;
    int list_index = static_cast<int>(lists.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      l.ids.push_back(rows[i].id);
      int rank = static_cast<int>(i) + 1;
      trace->contributions[rows[i].id].push_back(
          {list_index, rank, RankAmount(weight, options.rrf_k, rank, options.rank_bonus)});
    }
    lists.push_back(std::move(l));
    trace->lists.push_back(std::move(label));
  };
  for (const auto& s : subqueries) {
    add_list(s.lexical, s.weight, Label("lexical", s));
    add_list(s.vector, s.weight, Label("vector", s));
    for (const auto& r : s.lexical) {
      ScoreBreakdown& b = best[r.id];
      if (!b.lexical_total || r.scores.lexical_total.value_or(0) > *b.lexical_total) {
        b.lexical_total = r.scores.lexical_total.value_or(r.scores.overall);
        b.lexical_namefolder = r.scores.lexical_namefolder;
        b.lexical_context = r.scores.lexical_context;
        b.lexical_facts = r.scores.lexical_facts;
      }
    }
    for (const auto& r : s.vector) {
      ScoreBreakdown& b = best[r.id];
      MaxInto(&b.vector, r.scores.overall);
      MaxInto(&b.vector_image, r.scores.vector_image);
      MaxInto(&b.vector_ocr, r.scores.vector_ocr);
      MaxInto(&b.lexical_ocr, r.scores.lexical_ocr);
    }
  }
  std::vector<ScoredId> out;
  if (lists.empty()) return out;
  std::vector<FusedItem> fused = FuseRanked(lists, options.rrf_k, options.rank_bonus);
  const double top = fused.front().score;
  const size_t candidates =
      reranker ? std::min(fused.size(), static_cast<size_t>(std::max(options.rerank_candidates, 0)))
               : 0;
  std::vector<double> rerank;
  if (candidates > 0) {
    std::vector<std::string> ids;
    for (size_t i = 0; i < candidates; ++i) ids.push_back(fused[i].id);
    QIMG_ASSIGN_OR_RETURN(rerank, reranker->Score(query, ids));
    if (rerank.size() != ids.size())
      return Status::Internal(std::string("reranker ") + reranker->name() + " returned " +
                              std::to_string(rerank.size()) + " scores for " +
                              std::to_string(ids.size()) + " candidates");
    trace->reranker = reranker->name();
  }
  out.reserve(fused.size());
  for (size_t i = 0; i < fused.size(); ++i) {
    ScoredId r;
    r.id = fused[i].id;
    r.scores = best[r.id];
    r.scores.rrf = fused[i].score;
    double norm = top > 1e-12 ? fused[i].score / top : 0.0;
    if (!reranker) {
      r.scores.overall = norm;
    } else if (i < candidates) {
      double s = std::clamp(rerank[i], 0.0, 1.0);
      r.scores.rerank = s;
      r.scores.overall = BlendRerank(static_cast<int>(i) + 1, norm, s);
    } else {
      r.scores.overall = BlendRerank(static_cast<int>(candidates) + 11, norm, 0.0);
    }
    out.push_back(std::move(r));
  }
  std::stable_sort(out.begin(), out.end(), [](const ScoredId& a, const ScoredId& b) {
    return a.scores.overall > b.scores.overall;
  });
  if (options.min_score > 0)
    std::erase_if(out, [&](const ScoredId& r) { return r.scores.overall < options.min_score; });
  if (!options.all && static_cast<int>(out.size()) > std::max(options.num, 0))
    out.resize(static_cast<size_t>(std::max(options.num, 0)));
  return out;
}

}  // namespace qimg
