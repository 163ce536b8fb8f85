#include "store/lexical_query.h"

#include <sqlite3.h>

#include "store/fts5_api.h"
#include "store/fts_mirror.h"

namespace qimg {

Result<fts5_api*> ConnectionFts5Api(Database* db) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db->raw(), "SELECT fts5(?1)", -1, &st, nullptr) != SQLITE_OK)
    return Status::Internal(std::string("fts5 unavailable: ") + sqlite3_errmsg(db->raw()));
  fts5_api* api = nullptr;
  sqlite3_bind_pointer(st, 1, &api, "fts5_api_ptr", nullptr);
  sqlite3_step(st);
  sqlite3_finalize(st);
  if (api == nullptr || api->iVersion < 2) return Status::Internal("fts5 api unavailable");
  return api;
}

namespace {

int CollectToken(void* ctx, int flags, const char* token, int n, int, int) {
  // Colocated synonyms cannot come from unicode61; skip them should a build add any.
  if (flags & FTS5_TOKEN_COLOCATED) return SQLITE_OK;
  static_cast<std::vector<std::string>*>(ctx)->emplace_back(token, static_cast<size_t>(n));
  return SQLITE_OK;
}

}  // namespace

Result<std::vector<std::string>> IndexTokens(Database* db, std::string_view text) {
  QIMG_ASSIGN_OR_RETURN(fts5_api* api, ConnectionFts5Api(db));
  void* user_data = nullptr;
  fts5_tokenizer tok{};
  if (api->xFindTokenizer(api, "unicode61", &user_data, &tok) != SQLITE_OK)
    return Status::Internal("fts5 tokenizer unicode61 not found");
  // Must match the tokenize= option of assets_fts (schema.cc, migration 2). xCreate takes a
  // non-const array but only reads it.
  const char* args[] = {"remove_diacritics", "2"};
  Fts5Tokenizer* t = nullptr;
  if (tok.xCreate(user_data, args, 2, &t) != SQLITE_OK)
    return Status::Internal("cannot create the unicode61 tokenizer");
  std::vector<std::string> tokens;
  int rc = tok.xTokenize(t, &tokens, FTS5_TOKENIZE_QUERY, text.data(), static_cast<int>(text.size()),
                         CollectToken);
  tok.xDelete(t);
  if (rc != SQLITE_OK) return Status::Internal("fts5 tokenizer failed");
  return tokens;
}

Result<std::string> TokenMatchExpression(const std::vector<std::string>& tokens, bool match_all) {
  if (tokens.empty()) return Status::InvalidArgument("query has no words to search for");
  std::string expr;
  for (const auto& t : tokens) {
    if (!expr.empty()) expr += match_all ? " " : " OR ";
    expr += '"';
    for (char c : t) {
      if (c == '"') expr += '"';  // FTS5 string escape; unicode61 never yields one, but be safe
      expr += c;
    }
    expr += '"';
  }
  return expr;
}

Result<std::vector<int64_t>> TokenDocumentCounts(Database* db,
                                                 const std::vector<std::string>& tokens) {
  // A temp table: created per connection, never written to the library's file.
  QIMG_RETURN_IF_ERROR(db->Exec(
      "CREATE VIRTUAL TABLE IF NOT EXISTS temp.qimg_fts_vocab USING fts5vocab(main, 'assets_fts', 'row')"));
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare("SELECT doc FROM temp.qimg_fts_vocab WHERE term = ?1"));
  std::vector<int64_t> counts;
  for (const auto& t : tokens) {
    st.Bind(1, t);
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    counts.push_back(row ? st.ColumnInt(0) : 0);
    QIMG_RETURN_IF_ERROR(st.Reset());
  }
  return counts;
}

Result<int64_t> IndexedDocumentBound(Database* db) {
  return db->QueryInt("SELECT coalesce(max(rowid), 0) FROM assets");
}

namespace {

// The rows of a ranking statement selecting rowid, [asset id,] and the three channel bm25s.
Result<std::vector<LexicalHit>> ReadHits(Statement& st, bool with_asset_id) {
  const int bm25_col = with_asset_id ? 2 : 1;
  std::vector<LexicalHit> hits;
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    LexicalHit h;
    h.rowid = st.ColumnInt(0);
    if (with_asset_id) h.asset_id = st.ColumnText(1);
    h.bm25_namefolder = st.ColumnDouble(bm25_col);
    h.bm25_context = st.ColumnDouble(bm25_col + 1);
    h.bm25_facts = st.ColumnDouble(bm25_col + 2);
    hits.push_back(std::move(h));
  }
  return hits;
}

// The FTS rows in bm25 order with their channel values, no join: `limit` rows at most.
Result<std::vector<LexicalHit>> RankedMatches(Database* db, const std::string& match, int64_t limit) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT rowid, bm25(assets_fts, 0, 1, 1, 0, 0), bm25(assets_fts, 0, 0, 0, 1, 0), "
      "bm25(assets_fts, 0, 0, 0, 0, 1) FROM assets_fts WHERE assets_fts MATCH ?1 "
      "ORDER BY bm25(assets_fts) LIMIT ?2"));
  st.Bind(1, match).Bind(2, limit);
  return ReadHits(st, false);
}

}  // namespace

Result<std::vector<LexicalHit>> QueryLexicalIndex(Database* db, const std::string& match,
                                                   const AssetFilter& filter, int limit,
                                                   const MirroredMatch* mirrored) {
  std::vector<LexicalHit> hits;
  if (limit <= 0) return hits;
  SqlCondition cond = AssetFilterSql(filter, 3);
  if (filter.IsEmpty() && mirrored && mirrored->mirror && mirrored->tokens) {
    // The copy knows which rows are live assets: ranking its live rows is exactly the loop
    // below, with no SQL.
    auto in_memory = mirrored->mirror->Rank(*mirrored->tokens, mirrored->all, limit, true);
    if (in_memory.ok() || in_memory.status().code() != StatusCode::kUnavailable) return in_memory;
  }
  if (filter.IsEmpty()) {
    // Without a filter nearly every match passes (only soft-deleted rows drop out), so rank the
    // FTS rows alone and look up only the best ones, instead of joining assets and collections
    // for every match (half the cost of a common word's query at 100k assets). Same rows in the
    // same order as the joined statement below: both sort with a LIMIT, which SQLite does in a
    // B-tree keyed by (bm25, insertion sequence), the FTS scan inserting in rowid order either
    // way, so ties keep rowid order and taking the passing rows of a longer ranked prefix
    // equals ranking the passing rows. Too few pass: rank a longer prefix.
    QIMG_ASSIGN_OR_RETURN(Statement keep, db->Prepare(
        "SELECT a.id FROM assets a JOIN collections c ON c.id = a.collection_id "
        "WHERE a.rowid = ?1 AND " + AssetFilterSql(filter, 2).sql));
    for (int64_t want = limit;; want *= 4) {
      QIMG_ASSIGN_OR_RETURN(std::vector<LexicalHit> ranked, RankedMatches(db, match, want));
      hits.clear();
      for (auto& h : ranked) {
        keep.Bind(1, h.rowid);
        QIMG_ASSIGN_OR_RETURN(bool row, keep.Step());
        if (row) {
          h.asset_id = keep.ColumnText(0);
          hits.push_back(std::move(h));
        }
        QIMG_RETURN_IF_ERROR(keep.Reset());
        if (static_cast<int>(hits.size()) == limit) return hits;
      }
      if (static_cast<int64_t>(ranked.size()) < want) return hits;  // every match was ranked
    }
  }
  // One statement: FTS5 computes bm25's IDF once per query (a scan of each token's doclist),
  // so asking for the weighted values per row in a second query would repeat that scan for
  // every candidate. The extra bm25 calls here reuse the row's cached positions and size.
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT f.rowid, a.id, bm25(assets_fts, 0, 1, 1, 0, 0), bm25(assets_fts, 0, 0, 0, 1, 0), "
      "bm25(assets_fts, 0, 0, 0, 0, 1) FROM assets_fts f JOIN assets a ON a.rowid = f.rowid "
      "JOIN collections c ON c.id = a.collection_id "
      "WHERE assets_fts MATCH ?1 AND " + cond.sql + " ORDER BY bm25(assets_fts) LIMIT ?2"));
  st.Bind(1, match).Bind(2, static_cast<int64_t>(limit));
  BindSqlParams(st, cond.params, 3);
  return ReadHits(st, true);
}

}  // namespace qimg
