// Reading the lexical index (SPEC §7.2-7.3): the query tokenizer FTS5 itself uses, and the
// candidate retrieval with per-channel bm25 values. Scoring and ordering live in
// search/lexical_search.h; this file only talks to SQLite.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/asset_filter.h"
#include "store/database.h"

namespace qimg {

// Splits text into the tokens the index holds, using FTS5's own unicode61 tokenizer with
// remove_diacritics 2 (the assets_fts configuration): case-folded, accents removed, every
// character that is not a letter or digit a separator. So "Café-au-lait!" -> {cafe, au, lait}
// and text without letters or digits -> {}. Internal error if FTS5 is unavailable.
Result<std::vector<std::string>> IndexTokens(Database* db, std::string_view text);

// An FTS5 MATCH expression that treats every token as a literal word (each one double-quoted,
// so no token can be read as an operator, column filter or prefix). match_all: implicit AND;
// otherwise OR. InvalidArgument when tokens is empty.
Result<std::string> TokenMatchExpression(const std::vector<std::string>& tokens, bool match_all);

// For each token, the number of indexed documents containing it (fts5vocab), and an upper
// bound on the number of indexed documents (max assets.rowid: O(log n), never a count).
Result<std::vector<int64_t>> TokenDocumentCounts(Database* db,
                                                 const std::vector<std::string>& tokens);
Result<int64_t> IndexedDocumentBound(Database* db);

struct LexicalHit {
  int64_t rowid = 0;
  std::string asset_id;
  // FTS5 bm25() (<= 0, more negative = better) with per-column weights over
  // (asset_id, filename, folder, context, facts): (0,1,1,0,0), (0,0,0,1,0), (0,0,0,0,1).
  double bm25_namefolder = 0;
  double bm25_context = 0;
  double bm25_facts = 0;
};

class FtsMirror;

// The tokens (and AND/OR) a match expression was built from with TokenMatchExpression, and a
// current in-memory copy of the index that can rank them (store/fts_mirror.h).
struct MirroredMatch {
  const FtsMirror* mirror = nullptr;
  const std::vector<std::string>* tokens = nullptr;
  bool all = true;
};

// Rows of assets_fts matching `match` whose asset passes the filter (never soft-deleted),
// best default (all columns weighted 1) bm25 first, at most `limit`. With `mirrored` (the same
// match, and a mirror the caller checked is current) an unfiltered query is ranked in memory:
// the same rows, order and values; a filtered one, or one the mirror declines, runs in SQLite.
Result<std::vector<LexicalHit>> QueryLexicalIndex(Database* db, const std::string& match,
                                                   const AssetFilter& filter, int limit,
                                                   const MirroredMatch* mirrored = nullptr);

}  // namespace qimg
