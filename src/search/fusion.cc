#include "search/fusion.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/text.h"

namespace qimg {

std::vector<FusedItem> FuseRanked(const std::vector<RankedList>& lists, int k, RankBonus bonus) {
  std::map<std::string, size_t> index;
  std::vector<FusedItem> items;
  for (const auto& list : lists) {
    for (size_t i = 0; i < list.ids.size(); ++i) {
      int p = static_cast<int>(i) + 1;
      auto it = index.find(list.ids[i]);
      if (it == index.end()) {
        it = index.emplace(list.ids[i], items.size()).first;
        items.push_back({list.ids[i], 0.0});
      }
      double add = list.weight / (k + p);
      double b = p == 1 ? 0.05 : (p <= 3 ? 0.02 : 0.0);
      if (bonus == RankBonus::kOriginal) add += b;
      else if (bonus == RankBonus::kWeighted) add += b * list.weight;
      items[it->second].score += add;
    }
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const FusedItem& a, const FusedItem& b) { return a.score > b.score; });
  return items;
}

namespace {
std::set<std::string> TokenSet(const std::string& text) {
  std::set<std::string> out;
  for (auto& t : AsciiTokens(text))
    if (t.size() > 1) out.insert(t);
  return out;
}
double Overlap(const std::set<std::string>& q, const std::string& text) {
  if (q.empty()) return 0;
  std::set<std::string> t = TokenSet(text);
  if (t.empty()) return 0;
  int hit = 0;
  for (const auto& w : q) hit += t.count(w) ? 1 : 0;
  return static_cast<double>(hit) / static_cast<double>(q.size());
}
}  // namespace

double OverlapRerankScore(const std::string& query, const std::string& nf, const std::string& ctx,
                          const std::string& facts, const std::string& meta) {
  std::set<std::string> q = TokenSet(query);
  if (q.empty()) return 0;
  double s = 0.25 * Overlap(q, nf) + 0.35 * Overlap(q, ctx) + 0.30 * Overlap(q, facts) +
             0.10 * Overlap(q, meta);
  return std::min(1.0, s);
}

double BlendRerank(int position, double retrieval, double rerank) {
  if (position <= 3) return 0.75 * retrieval + 0.25 * rerank;
  if (position <= 10) return 0.60 * retrieval + 0.40 * rerank;
  return 0.40 * retrieval + 0.60 * rerank;
}

}  // namespace qimg
