// An in-memory copy of the assets_fts inverted index that ranks literal-token matches exactly as
// FTS5's bm25() does, without FTS5's cost of scoring every matching row through its auxiliary
// function API (a common word at 100,000 assets: ~15 ms per query in SQLite, well under 1 ms
// here), plus which rows belong to live assets (and their ids), so an unfiltered search needs no
// SQL at all. Built inside one read transaction from fts5vocab's 'instance' table (postings),
// bm25's own totals (xRowCount / xColumnTotalSize through an auxiliary function), the
// %_docsize rows xColumnSize reads (checked to add up to those totals) and the assets table,
// and tagged with the lexical generation (store/lexical_store.h) it reflects. It is only valid
// while the database's lexical generation still equals generation(); callers check that before
// every use and fall back to SQL otherwise. (Asset rowids must be stable: qimg never VACUUMs.)
//
// Exactness: for the match expressions of store/lexical_query.h (each token a quoted literal,
// joined by AND or OR) Rank returns the rows, order and bm25 values (bit for bit: the same double
// operations in the same order, compiled without FP contraction) that
// `SELECT rowid, bm25(assets_fts, 0,1,1,0,0), bm25(.., 0,0,0,1,0), bm25(.., 0,0,0,0,1) ...
// ORDER BY bm25(assets_fts) LIMIT n` returns; store/fts_mirror_test.cc checks it against FTS5
// on random libraries.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "store/database.h"
#include "store/lexical_query.h"

namespace qimg {

class FtsMirror {
 public:
  ~FtsMirror();
  // Copies assets_fts inside one read transaction of `db` (which must not be inside a
  // transaction already). Unavailable when the table's layout is not the one qimg writes.
  static Result<std::unique_ptr<FtsMirror>> Load(Database* db);

  // The lexical generation the copy reflects.
  int64_t generation() const { return generation_; }
  size_t documents() const { return doc_rowid_.size(); }
  size_t terms() const { return terms_.size(); }
  size_t memory_bytes() const;

  // The best `limit` rows holding every token (all) or any token (!all), best default bm25
  // first, ties in rowid order, with the three channel values of LexicalHit. live_only: only
  // rows of live assets (existing, in a collection, not soft-deleted), with asset_id set: what
  // an unfiltered QueryLexicalIndex returns; otherwise every FTS row, asset_id empty.
  // InvalidArgument for no tokens; Unavailable when a token's counts overflowed the compact
  // postings (the caller then asks SQLite).
  Result<std::vector<LexicalHit>> Rank(const std::vector<std::string>& tokens, bool all,
                                       int64_t limit, bool live_only = false) const;

  // What TokenDocumentCounts and IndexedDocumentBound (store/lexical_query.h) return.
  int64_t DocumentCount(const std::string& token) const;
  int64_t AssetRowidBound() const { return asset_rowid_bound_; }

 private:
  FtsMirror() = default;

  // One (term, row) pair: the row's dense index and the term's instance counts in the
  // name/folder columns, the context column and the facts column.
  struct Posting {
    uint32_t doc;
    uint16_t namefolder;
    uint16_t context;
    uint16_t facts;
  };
  struct Term {
    std::vector<Posting> postings;  // ascending doc (= ascending rowid)
    bool overflow = false;          // a count above 65535: rank such queries in SQLite
  };

  struct RankScratch;
  mutable std::mutex scratch_mu_;
  mutable std::vector<std::unique_ptr<RankScratch>> scratch_pool_;  // one per concurrent Rank

  int64_t generation_ = 0;
  int64_t total_rows_ = 0;    // xRowCount
  int64_t total_tokens_ = 0;  // xColumnTotalSize(-1)
  std::vector<int64_t> doc_rowid_;   // ascending
  std::vector<int32_t> doc_tokens_;  // xColumnSize(-1) of each row
  std::vector<std::string> doc_asset_;  // the row's live asset id, empty when not live
  int64_t asset_rowid_bound_ = 0;
  std::unordered_map<std::string, Term> terms_;
};

}  // namespace qimg
