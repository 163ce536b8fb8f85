// Reciprocal rank fusion (SPEC §9.4) and the overlap reranker (SPEC §9.5), as pure functions
// so the arithmetic can be tested on its own.
#pragma once

#include <string>
#include <vector>

namespace qimg {

struct RankedList {
  std::vector<std::string> ids;  // best first
  double weight = 1.0;
};

enum class RankBonus {
  kOriginal,  // +0.05 for rank 1, +0.02 for ranks 2-3, not multiplied by the list weight
  kWeighted,  // the same bonuses multiplied by the list weight (they no longer dwarf 1/(k+p))
  kNone,
};

struct FusedItem {
  std::string id;
  double score = 0;
};

// fused[id] = sum over lists of weight / (k + rank) plus the rank bonus; sorted by score
// descending, ties in order of first appearance across the lists.
std::vector<FusedItem> FuseRanked(const std::vector<RankedList>& lists, int k, RankBonus bonus);

// The original's overlap score of a query against an asset's text channels (SPEC §9.5):
// min(1, 0.25·nf + 0.35·ctx + 0.30·facts + 0.10·meta), each an ASCII-token overlap ratio.
double OverlapRerankScore(const std::string& query, const std::string& name_folder_text,
                          const std::string& context_text, const std::string& facts_text,
                          const std::string& meta_text);

// SPEC §9.5 blend by 1-based position: ≤3 → 0.75/0.25, ≤10 → 0.60/0.40, else 0.40/0.60.
double BlendRerank(int position, double retrieval, double rerank);

}  // namespace qimg
