// Lexical search (SPEC §7.2-7.4 with §15 items 4 and 53 fixed): the query is reduced to the
// index's own tokens and searched as literal words; the per-channel FTS5 bm25 values are
// normalised and weighted into one score. Documents containing every word come first; when
// too few do, documents containing any word fill the list below them (docs/search.md).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "search/result.h"
#include "store/asset_filter.h"
#include "store/database.h"
#include "store/fts_mirror.h"
#include "store/lexical_query.h"

namespace qimg {

struct LexicalWeights {
  double namefolder = 1.0;
  double context = 1.2;
  double facts = 1.0;
};

// Memo of the SQL a group of LexicalSearch calls runs, for the sub-queries of one hybrid query:
// WordNet expansions often add only words the library lacks, so "red convertible" and "red
// sedan" both come down to the same "red" fill query (bm25 over every row holding "red"). Keyed
// by everything the SQL depends on (match expression, filter, limit), so a hit returns exactly
// the rows a fresh run would; scoring (which depends on the channel weights) is redone per call.
// Valid only while the database does not change: keep one for one request, never longer.
class LexicalQueryCache {
 public:
  // The rows QueryLexicalIndex(db, match, filter, limit) returns, run once per distinct key.
  Result<std::vector<LexicalHit>> Query(Database* db, const std::string& match,
                                        const AssetFilter& filter, int limit,
                                        const MirroredMatch* mirrored = nullptr);
  // TokenDocumentCounts / IndexedDocumentBound, each token and the bound looked up once.
  Result<std::vector<int64_t>> DocumentCounts(Database* db, const std::vector<std::string>& tokens);
  Result<int64_t> DocumentBound(Database* db);

  int queries_run() const { return queries_run_; }
  int queries_reused() const { return queries_reused_; }

 private:
  std::map<std::string, std::vector<LexicalHit>> hits_;
  std::map<std::string, int64_t> counts_;
  std::optional<int64_t> bound_;
  int queries_run_ = 0;
  int queries_reused_ = 0;
};

struct LexicalSearchOptions {
  int num = 10;            // results wanted (>= 1); ignored with all
  bool all = false;        // every match, up to kLexicalAllCap
  double min_score = 0.0;  // keep totals >= min_score when > 0
  AssetFilter filter;
  LexicalWeights weights;
  // Shared by the calls of one request to run repeated SQL once; null runs everything.
  LexicalQueryCache* cache = nullptr;
  // An in-memory copy of the index, current for this database (the caller checked its
  // generation), that ranks unfiltered queries with the same results; null ranks in SQLite.
  const FtsMirror* mirror = nullptr;
};

inline constexpr int kLexicalAllCap = 10000;

// u(s) = |s| / (|s| + 10): maps a bm25 value (<= 0) into [0, 1).
double NormalizeBm25(double bm25);

// Scores hits (SPEC §7.3 steps 3-5): lexical_* fields and overall = lexical_total, stable-sorted
// by total descending so equal totals keep the FTS order.
std::vector<ScoredId> ScoreLexicalHits(const std::vector<LexicalHit>& hits,
                                       const LexicalWeights& weights);

// Runs a search. InvalidArgument ("search needs a query") for an empty or blank query, and
// ("query ... has no words to search for") when it holds no letters or digits; errors from the
// database otherwise. Results hold only ids and scores; Hydrate() adds the rest.
Result<std::vector<ScoredId>> LexicalSearch(Database* db, const std::string& query,
                                            const LexicalSearchOptions& options);

}  // namespace qimg
