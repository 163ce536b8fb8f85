#include "search/lexical_search.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "base/text.h"

namespace qimg {
namespace {

// A query longer than this is cut: past a few dozen words bm25 ranking no longer changes in
// any useful way, and each word costs a doclist scan.
constexpr size_t kMaxQueryTokens = 64;

std::vector<std::string> Deduplicate(const std::vector<std::string>& tokens) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (const auto& t : tokens) {
    if (out.size() == kMaxQueryTokens) break;
    if (seen.insert(t).second) out.push_back(t);
  }
  return out;
}

void ApplyMinScore(std::vector<ScoredId>* scored, double min_score) {
  if (min_score <= 0) return;
  std::erase_if(*scored, [&](const ScoredId& s) { return s.scores.overall < min_score; });
}

std::vector<ScoredId> Truncated(std::vector<ScoredId> results, int wanted) {
  if (static_cast<int>(results.size()) > wanted) results.resize(wanted);
  return results;
}

// Every field of the filter, with presence marked, so two filters share a key only when they
// produce the same SQL condition and parameters.
std::string FilterKey(const AssetFilter& f) {
  std::string key;
  auto add = [&](const std::optional<std::string>& v) {
    key += v ? "1" + std::to_string(v->size()) + ":" + *v : std::string("0");
    key += '\x1f';
  };
  auto add_int = [&](const std::optional<int64_t>& v) {
    key += v ? "1" + std::to_string(*v) : std::string("0");
    key += '\x1f';
  };
  add(f.collection);
  add(f.path_prefix);
  add(f.captured_from);
  add(f.captured_to);
  add_int(f.min_width);
  add_int(f.min_height);
  return key;
}

// Every token (all) or any token (!all) of `tokens`, through the request's cache and the
// mirror when there are.
Result<std::vector<LexicalHit>> RunQuery(Database* db, const std::vector<std::string>& tokens,
                                         bool all, int limit, const LexicalSearchOptions& options) {
  QIMG_ASSIGN_OR_RETURN(std::string match, TokenMatchExpression(tokens, all));
  MirroredMatch mirrored{options.mirror, &tokens, all};
  const MirroredMatch* m = options.mirror ? &mirrored : nullptr;
  if (options.cache) return options.cache->Query(db, match, options.filter, limit, m);
  return QueryLexicalIndex(db, match, options.filter, limit, m);
}

}  // namespace

Result<std::vector<LexicalHit>> LexicalQueryCache::Query(Database* db, const std::string& match,
                                                         const AssetFilter& filter, int limit,
                                                         const MirroredMatch* mirrored) {
  std::string key = std::to_string(limit) + '\x1f' + FilterKey(filter) + match;
  auto it = hits_.find(key);
  if (it != hits_.end()) {
    ++queries_reused_;
    return it->second;
  }
  QIMG_ASSIGN_OR_RETURN(auto hits, QueryLexicalIndex(db, match, filter, limit, mirrored));
  ++queries_run_;
  hits_.emplace(std::move(key), hits);
  return hits;
}

Result<std::vector<int64_t>> LexicalQueryCache::DocumentCounts(
    Database* db, const std::vector<std::string>& tokens) {
  std::vector<std::string> missing;
  for (const auto& t : tokens)
    if (!counts_.count(t)) missing.push_back(t);
  if (!missing.empty()) {
    QIMG_ASSIGN_OR_RETURN(std::vector<int64_t> df, TokenDocumentCounts(db, missing));
    for (size_t i = 0; i < missing.size(); ++i) counts_[missing[i]] = df[i];
  }
  std::vector<int64_t> out;
  out.reserve(tokens.size());
  for (const auto& t : tokens) out.push_back(counts_.at(t));
  return out;
}

Result<int64_t> LexicalQueryCache::DocumentBound(Database* db) {
  if (!bound_) {
    QIMG_ASSIGN_OR_RETURN(int64_t n, IndexedDocumentBound(db));
    bound_ = n;
  }
  return *bound_;
}

double NormalizeBm25(double bm25) {
  double a = std::fabs(bm25);
  return a / (a + 10.0);
}

std::vector<ScoredId> ScoreLexicalHits(const std::vector<LexicalHit>& hits,
                                       const LexicalWeights& w) {
  std::vector<ScoredId> out;
  out.reserve(hits.size());
  for (const auto& h : hits) {
    ScoredId s;
    s.id = h.asset_id;
    double nf = NormalizeBm25(h.bm25_namefolder);
    double ctx = NormalizeBm25(h.bm25_context);
    double fct = NormalizeBm25(h.bm25_facts);
    double total = w.namefolder * nf + w.context * ctx + w.facts * fct;
    s.scores.overall = total;
    s.scores.lexical_total = total;
    s.scores.lexical_namefolder = nf;
    s.scores.lexical_context = ctx;
    s.scores.lexical_facts = fct;
    out.push_back(std::move(s));
  }
  std::stable_sort(out.begin(), out.end(), [](const ScoredId& a, const ScoredId& b) {
    return a.scores.overall > b.scores.overall;
  });
  return out;
}

Result<std::vector<ScoredId>> LexicalSearch(Database* db, const std::string& query,
                                            const LexicalSearchOptions& options) {
  if (Trim(query).empty()) return Status::InvalidArgument("search needs a query");
  QIMG_ASSIGN_OR_RETURN(std::vector<std::string> raw, IndexTokens(db, query));
  std::vector<std::string> tokens = Deduplicate(raw);
  if (tokens.empty())
    return Status::InvalidArgument("query '" + SanitizeUtf8(query) +
                                   "' has no words to search for (letters or digits)");
  const int wanted = options.all ? kLexicalAllCap : std::max(options.num, 1);
  // Over-fetch (SPEC §7.3 step 1) so re-ranking by the weighted total can promote rows the
  // plain bm25 order put lower.
  const int fetch = options.all ? kLexicalAllCap : std::max(4 * wanted, 200);

  QIMG_ASSIGN_OR_RETURN(auto all_hits, RunQuery(db, tokens, true, fetch, options));
  std::vector<ScoredId> results = ScoreLexicalHits(all_hits, options.weights);
  ApplyMinScore(&results, options.min_score);

  if (tokens.size() > 1 && static_cast<int>(results.size()) < wanted) {
    // Fill with documents holding only some of the words, always below the full matches.
    // Words in more than half of the library are left out of the fill: bm25 clamps their
    // IDF to 1e-6, so they could only add near-zero matches, and they are what makes an OR
    // query touch (and score) most of a large library.
    std::vector<int64_t> df;
    int64_t n_docs = 0;
    if (options.mirror) {
      for (const auto& t : tokens) df.push_back(options.mirror->DocumentCount(t));
      n_docs = options.mirror->AssetRowidBound();
    } else if (options.cache) {
      QIMG_ASSIGN_OR_RETURN(df, options.cache->DocumentCounts(db, tokens));
      QIMG_ASSIGN_OR_RETURN(n_docs, options.cache->DocumentBound(db));
    } else {
      QIMG_ASSIGN_OR_RETURN(df, TokenDocumentCounts(db, tokens));
      QIMG_ASSIGN_OR_RETURN(n_docs, IndexedDocumentBound(db));
    }
    std::vector<std::string> fill_tokens;
    for (size_t i = 0; i < tokens.size(); ++i)
      if (df[i] > 0 && 2 * df[i] <= n_docs) fill_tokens.push_back(tokens[i]);
    if (fill_tokens.empty()) return Truncated(std::move(results), wanted);
    QIMG_ASSIGN_OR_RETURN(auto any_hits,
                          RunQuery(db, fill_tokens, false,
                                   fetch + static_cast<int>(all_hits.size()), options));
    std::unordered_set<int64_t> seen;
    for (const auto& h : all_hits) seen.insert(h.rowid);
    std::erase_if(any_hits, [&](const LexicalHit& h) { return seen.count(h.rowid) > 0; });
    if (static_cast<int>(any_hits.size()) > fetch) any_hits.resize(fetch);
    std::vector<ScoredId> partial = ScoreLexicalHits(any_hits, options.weights);
    ApplyMinScore(&partial, options.min_score);
    for (auto& p : partial) results.push_back(std::move(p));
  }
  return Truncated(std::move(results), wanted);
}

}  // namespace qimg
