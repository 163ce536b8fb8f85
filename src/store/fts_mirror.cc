#include "store/fts_mirror.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "store/asset_filter.h"
#include "store/fts5_api.h"
#include "store/lexical_store.h"

namespace qimg {
namespace {

// bm25's constants in FTS5 (fts5_aux.c).
constexpr double kK1 = 1.2;
constexpr double kB = 0.75;

// Auxiliary functions returning exactly the totals bm25() reads.
void TotalRowsFunction(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx, int,
                       sqlite3_value**) {
  sqlite3_int64 n = 0;
  int rc = api->xRowCount(fts, &n);
  if (rc != SQLITE_OK) return sqlite3_result_error_code(ctx, rc);
  sqlite3_result_int64(ctx, n);
}

void TotalTokensFunction(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx, int,
                         sqlite3_value**) {
  sqlite3_int64 n = 0;
  int rc = api->xColumnTotalSize(fts, -1, &n);
  if (rc != SQLITE_OK) return sqlite3_result_error_code(ctx, rc);
  sqlite3_result_int64(ctx, n);
}

// SQLite's variable-length integer (1-9 bytes, big-endian 7-bit groups, the ninth byte whole),
// the encoding of the %_docsize blobs; the sum of all the blob's values.
Result<int64_t> SumOfVarints(const std::string& blob) {
  int64_t sum = 0;
  size_t i = 0;
  while (i < blob.size()) {
    uint64_t v = 0;
    int n = 0;
    for (;;) {
      if (i >= blob.size()) return Status::Unavailable("truncated FTS size record");
      const uint8_t byte = static_cast<uint8_t>(blob[i++]);
      if (++n == 9) {
        v = (v << 8) | byte;
        break;
      }
      v = (v << 7) | (byte & 0x7f);
      if (!(byte & 0x80)) break;
    }
    if (v > static_cast<uint64_t>(std::numeric_limits<int32_t>::max()))
      return Status::Unavailable("FTS size record out of range");
    sum += static_cast<int64_t>(v);
  }
  return sum;
}

Status RegisterFunctions(Database* db) {
  QIMG_ASSIGN_OR_RETURN(fts5_api* api, ConnectionFts5Api(db));
  struct {
    const char* name;
    fts5_extension_function fn;
  } functions[] = {{"qimg_fts_total_rows", TotalRowsFunction},
                   {"qimg_fts_total_tokens", TotalTokensFunction}};
  for (const auto& f : functions) {
    if (api->xCreateFunction(api, f.name, nullptr, f.fn, nullptr) != SQLITE_OK)
      return Status::Internal(std::string("cannot register FTS5 function ") + f.name);
  }
  return Status::Ok();
}

// The assets_fts columns and the LexicalHit channel their instances count towards (asset_id
// is UNINDEXED and has none).
int ChannelOfColumn(const std::string& column) {
  if (column == "filename_col" || column == "folder_col") return 0;
  if (column == "context_col") return 1;
  if (column == "facts_col") return 2;
  return -1;
}

// One term's share of bm25 for a row: FTS5's expression, operand for operand.
inline double Bm25Term(double idf, double freq, double row_tokens, double avgdl) {
  return idf * ((freq * (kK1 + 1.0)) / (freq + kK1 * (1 - kB + kB * row_tokens / avgdl)));
}

}  // namespace

// Accumulators indexed by dense row, reset after each use (only the touched rows). Pooled by
// the mirror rather than thread-local: a server has a hundred connection threads, and one
// scratch per thread that ever searched would cost ~1 MB each at 100,000 rows.
struct FtsMirror::RankScratch {
  std::vector<double> all;
  std::vector<uint16_t> matched;
  std::vector<uint32_t> touched;
  void Reserve(size_t n) {
    if (all.size() >= n) return;
    all.resize(n, 0.0);
    matched.resize(n, 0);
  }
  void Clear() {
    for (uint32_t d : touched) {
      all[d] = 0.0;
      matched[d] = 0;
    }
    touched.clear();
  }
};

namespace {

// Which rows belong to live assets: the condition of an empty AssetFilter, as
// QueryLexicalIndex applies it.
Status LoadLiveAssets(Database* db, const std::vector<int64_t>& rowids,
                      std::vector<std::string>* asset_ids, int64_t* rowid_bound) {
  asset_ids->assign(rowids.size(), std::string());
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT a.rowid, a.id FROM assets a JOIN collections c ON c.id = a.collection_id WHERE " +
      AssetFilterSql(AssetFilter{}, 1).sql));
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    auto it = std::lower_bound(rowids.begin(), rowids.end(), st.ColumnInt(0));
    if (it != rowids.end() && *it == st.ColumnInt(0)) (*asset_ids)[it - rowids.begin()] = st.ColumnText(1);
  }
  QIMG_ASSIGN_OR_RETURN(*rowid_bound, IndexedDocumentBound(db));
  return Status::Ok();
}

Status LoadInTransaction(Database* db, int64_t* generation, int64_t* total_rows,
                         int64_t* total_tokens, std::vector<int64_t>* rowids,
                         std::vector<int32_t>* row_tokens,
                         std::vector<std::pair<std::string, std::vector<std::pair<uint32_t, int>>>>*
                             instances) {
  QIMG_ASSIGN_OR_RETURN(*generation, LexicalGeneration(db));
  // bm25's N and total tokens, through the API (any row of a MATCH query reports them).
  {
    QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
        "SELECT term FROM temp.qimg_fts_instances LIMIT 1"));
    QIMG_ASSIGN_OR_RETURN(bool any, st.Step());
    if (!any) return Status::Ok();  // nothing indexed
    QIMG_ASSIGN_OR_RETURN(Statement totals, db->Prepare(
        "SELECT qimg_fts_total_rows(assets_fts), qimg_fts_total_tokens(assets_fts) "
        "FROM assets_fts WHERE assets_fts MATCH ?1 LIMIT 1"));
    QIMG_ASSIGN_OR_RETURN(std::string expr, TokenMatchExpression({st.ColumnText(0)}, true));
    totals.Bind(1, expr);
    QIMG_ASSIGN_OR_RETURN(bool row, totals.Step());
    if (!row) return Status::Unavailable("an indexed term matched no row");
    *total_rows = totals.ColumnInt(0);
    *total_tokens = totals.ColumnInt(1);
  }
  // Each row's token count, from the table xColumnSize reads it from (FTS5 reports 0 outside a
  // MATCH query): one SQLite varint per column, summed as xColumnSize(-1) sums them.
  {
    QIMG_ASSIGN_OR_RETURN(Statement st,
                          db->Prepare("SELECT id, sz FROM assets_fts_docsize ORDER BY id"));
    int64_t sum = 0;
    for (;;) {
      QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      rowids->push_back(st.ColumnInt(0));
      std::string blob = st.ColumnBlob(1);
      QIMG_ASSIGN_OR_RETURN(int64_t n, SumOfVarints(blob));
      if (n > std::numeric_limits<int32_t>::max())
        return Status::Unavailable("an FTS row of " + std::to_string(n) + " tokens");
      row_tokens->push_back(static_cast<int32_t>(n));
      sum += n;
    }
    // The per-row sizes must add up to the totals bm25 uses, or this is not the format assumed.
    if (static_cast<int64_t>(rowids->size()) != *total_rows || sum != *total_tokens)
      return Status::Unavailable("assets_fts sizes do not add up to its totals");
  }
  if (!std::is_sorted(rowids->begin(), rowids->end()))
    return Status::Unavailable("FTS rows not in rowid order");
  if (rowids->size() > std::numeric_limits<uint32_t>::max())
    return Status::Unavailable("too many FTS rows for the in-memory copy");
  auto dense = [&](int64_t rowid) -> int64_t {
    auto it = std::lower_bound(rowids->begin(), rowids->end(), rowid);
    return it != rowids->end() && *it == rowid ? it - rowids->begin() : -1;
  };
  QIMG_ASSIGN_OR_RETURN(Statement st,
                        db->Prepare("SELECT term, doc, col FROM temp.qimg_fts_instances"));
  int64_t last_doc = -1, last_index = -1;
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    std::string term = st.ColumnText(0);
    if (instances->empty() || instances->back().first != term) {
      instances->emplace_back(std::move(term), std::vector<std::pair<uint32_t, int>>{});
    }
    int64_t doc = st.ColumnInt(1);
    if (doc != last_doc) {
      last_doc = doc;
      last_index = dense(doc);
    }
    int channel = ChannelOfColumn(st.ColumnText(2));
    if (last_index < 0 || channel < 0)
      return Status::Unavailable("assets_fts has an instance outside the rows or columns qimg writes");
    instances->back().second.emplace_back(static_cast<uint32_t>(last_index), channel);
  }
  return Status::Ok();
}

}  // namespace

FtsMirror::~FtsMirror() = default;

Result<std::unique_ptr<FtsMirror>> FtsMirror::Load(Database* db) {
  QIMG_RETURN_IF_ERROR(RegisterFunctions(db));
  QIMG_RETURN_IF_ERROR(db->Exec(
      "CREATE VIRTUAL TABLE IF NOT EXISTS temp.qimg_fts_instances "
      "USING fts5vocab(main, 'assets_fts', 'instance')"));
  std::unique_ptr<FtsMirror> m(new FtsMirror());
  std::vector<std::pair<std::string, std::vector<std::pair<uint32_t, int>>>> instances;
  // One snapshot for the counts, the sizes and the generation.
  QIMG_RETURN_IF_ERROR(db->Exec("BEGIN"));
  Status loaded = LoadInTransaction(db, &m->generation_, &m->total_rows_, &m->total_tokens_,
                                    &m->doc_rowid_, &m->doc_tokens_, &instances);
  if (loaded.ok()) loaded = LoadLiveAssets(db, m->doc_rowid_, &m->doc_asset_, &m->asset_rowid_bound_);
  Status ended = db->Exec(loaded.ok() ? "COMMIT" : "ROLLBACK");
  QIMG_RETURN_IF_ERROR(loaded);
  QIMG_RETURN_IF_ERROR(ended);

  m->terms_.reserve(instances.size());
  for (auto& [text, list] : instances) {
    // fts5vocab lists a term's instances by row; sort anyway rather than rely on it.
    std::stable_sort(list.begin(), list.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    Term& term = m->terms_[text];  // a term repeated out of order merges into one entry
    for (const auto& [doc, channel] : list) {
      if (term.postings.empty() || term.postings.back().doc != doc) {
        if (!term.postings.empty() && term.postings.back().doc > doc) {
          return Status::Unavailable("fts5vocab listed term '" + text + "' out of order");
        }
        term.postings.push_back(Posting{doc, 0, 0, 0});
      }
      Posting& p = term.postings.back();
      uint16_t& count = channel == 0 ? p.namefolder : channel == 1 ? p.context : p.facts;
      if (count == std::numeric_limits<uint16_t>::max()) term.overflow = true;
      else ++count;
    }
    std::vector<std::pair<uint32_t, int>>().swap(list);
  }
  return m;
}

int64_t FtsMirror::DocumentCount(const std::string& token) const {
  auto it = terms_.find(token);
  return it == terms_.end() ? 0 : static_cast<int64_t>(it->second.postings.size());
}

size_t FtsMirror::memory_bytes() const {
  size_t bytes = doc_rowid_.capacity() * sizeof(int64_t) + doc_tokens_.capacity() * sizeof(int32_t);
  for (const auto& id : doc_asset_) bytes += sizeof(id) + (id.size() > 15 ? id.capacity() : 0);
  for (const auto& [text, term] : terms_) {
    bytes += sizeof(text) + text.capacity() + sizeof(Term) + term.postings.capacity() * sizeof(Posting);
  }
  return bytes;
}

Result<std::vector<LexicalHit>> FtsMirror::Rank(const std::vector<std::string>& tokens, bool all,
                                                int64_t limit, bool live_only) const {
  if (tokens.empty()) return Status::InvalidArgument("query has no words to search for");
  std::vector<LexicalHit> hits;
  if (limit <= 0 || total_rows_ <= 0) return hits;
  // Per phrase (each token, in order, as FTS5 numbers them): its postings and IDF.
  std::vector<const Term*> phrase(tokens.size(), nullptr);
  std::vector<double> idf(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    auto it = terms_.find(tokens[i]);
    if (it != terms_.end()) {
      if (it->second.overflow)
        return Status::Unavailable("a term's counts exceed the in-memory copy's range");
      phrase[i] = &it->second;
    }
    const int64_t hit = phrase[i] ? static_cast<int64_t>(phrase[i]->postings.size()) : 0;
    double v = std::log((total_rows_ - hit + 0.5) / (hit + 0.5));
    if (v <= 0.0) v = 1e-6;
    idf[i] = v;
    if (all && hit == 0) return hits;  // AND with an absent word matches nothing
  }
  const double avgdl = static_cast<double>(total_tokens_) / static_cast<double>(total_rows_);

  std::unique_ptr<RankScratch> scratch;
  {
    std::lock_guard<std::mutex> lock(scratch_mu_);
    if (!scratch_pool_.empty()) {
      scratch = std::move(scratch_pool_.back());
      scratch_pool_.pop_back();
    }
  }
  if (!scratch) scratch = std::make_unique<RankScratch>();
  RankScratch& s = *scratch;
  s.Reserve(doc_rowid_.size());
  // Phrase by phrase, each row's sum receives the same additions in the same order as FTS5's
  // per-row loop; a phrase absent from a row would add exactly 0.0 there, so skipping it is
  // the same value.
  for (size_t i = 0; i < phrase.size(); ++i) {
    if (!phrase[i]) continue;
    for (const Posting& p : phrase[i]->postings) {
      const uint32_t d = p.doc;
      if (s.matched[d] == 0) s.touched.push_back(d);
      ++s.matched[d];
      const double total = static_cast<double>(p.namefolder) + p.context + p.facts;
      s.all[d] += Bm25Term(idf[i], total, doc_tokens_[d], avgdl);
    }
  }
  std::vector<uint32_t> rows;
  rows.reserve(s.touched.size());
  for (uint32_t d : s.touched) {
    if (live_only && doc_asset_[d].empty()) continue;
    if (!all || s.matched[d] == phrase.size()) rows.push_back(d);
  }
  // ORDER BY bm25 (= -score, ascending) with ties in scan (rowid) order.
  auto better = [&](uint32_t a, uint32_t b) {
    const double ba = -1.0 * s.all[a], bb = -1.0 * s.all[b];
    if (ba != bb) return ba < bb;
    return a < b;
  };
  const size_t keep = static_cast<size_t>(std::min<int64_t>(limit, static_cast<int64_t>(rows.size())));
  std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(keep), rows.end(), better);
  hits.reserve(keep);
  for (size_t k = 0; k < keep; ++k) {
    const uint32_t d = rows[k];
    // The three channel values only for the rows returned, in the same phrase order.
    double namefolder = 0.0, context = 0.0, facts = 0.0;
    for (size_t i = 0; i < phrase.size(); ++i) {
      if (!phrase[i]) continue;
      const auto& list = phrase[i]->postings;
      auto it = std::lower_bound(list.begin(), list.end(), d,
                                 [](const Posting& p, uint32_t doc) { return p.doc < doc; });
      if (it == list.end() || it->doc != d) continue;
      if (it->namefolder) namefolder += Bm25Term(idf[i], it->namefolder, doc_tokens_[d], avgdl);
      if (it->context) context += Bm25Term(idf[i], it->context, doc_tokens_[d], avgdl);
      if (it->facts) facts += Bm25Term(idf[i], it->facts, doc_tokens_[d], avgdl);
    }
    LexicalHit h;
    h.rowid = doc_rowid_[d];
    if (live_only) h.asset_id = doc_asset_[d];
    h.bm25_namefolder = -1.0 * namefolder;
    h.bm25_context = -1.0 * context;
    h.bm25_facts = -1.0 * facts;
    hits.push_back(std::move(h));
  }
  s.Clear();
  std::lock_guard<std::mutex> lock(scratch_mu_);
  scratch_pool_.push_back(std::move(scratch));
  return hits;
}

}  // namespace qimg
