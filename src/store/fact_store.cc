#include "store/fact_store.h"

#include "base/text.h"
#include "base/time_util.h"

namespace qimg {
namespace {
constexpr const char* kCols =
    "f.id, f.asset_id, f.fact_type, f.key, f.value_text, f.value_json, f.confidence, f.source, "
    "f.created_at, f.updated_at";
FactRow ReadFact(const Statement& st) {
  FactRow r;
  r.id = st.ColumnInt(0);
  r.asset_id = st.ColumnText(1);
  r.fact_type = st.ColumnText(2);
  r.key = st.ColumnOptText(3);
  r.value_text = st.ColumnOptText(4);
  r.value_json = st.ColumnOptText(5);
  r.confidence = st.ColumnOptDouble(6);
  r.source = st.ColumnText(7);
  r.created_at = st.ColumnText(8);
  r.updated_at = st.ColumnText(9);
  return r;
}
Result<std::vector<FactRow>> CollectFacts(Statement& st, bool with_rel) {
  std::vector<FactRow> out;
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadFact(st));
    if (with_rel) out.back().rel_path = st.ColumnText(10);
  }
  return out;
}
}  // namespace

Result<bool> InsertFact(Database* db, const FactRow& f) {
  if (f.value_text && Trim(*f.value_text).empty() && !f.value_json) return false;
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "INSERT INTO facts(asset_id, fact_type, key, value_text, value_json, confidence, source, "
      "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)"));
  st.Bind(1, f.asset_id).Bind(2, f.fact_type).Bind(3, f.key).Bind(4, f.value_text);
  st.Bind(5, f.value_json).Bind(6, f.confidence).Bind(7, f.source);
  st.Bind(8, f.created_at.empty() ? NowIso() : f.created_at);
  QIMG_RETURN_IF_ERROR(st.Run());
  return true;
}

Result<int> DeleteFacts(Database* db, const std::string& asset_id, const std::string& fact_type,
                        const std::string& source) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "DELETE FROM facts WHERE asset_id = ?1 AND fact_type = ?2 AND source = ?3"));
  st.Bind(1, asset_id).Bind(2, fact_type).Bind(3, source);
  QIMG_RETURN_IF_ERROR(st.Run());
  return db->Changes();
}

Result<int> DeleteFactsBySource(Database* db, const std::string& source,
                                const std::optional<std::string>& asset_id,
                                std::vector<std::string>* affected) {
  std::string where = " WHERE source = ?1" + std::string(asset_id ? " AND asset_id = ?2" : "");
  {
    QIMG_ASSIGN_OR_RETURN(Statement st,
                          db->Prepare("SELECT DISTINCT asset_id FROM facts" + where));
    st.Bind(1, source);
    if (asset_id) st.Bind(2, *asset_id);
    for (;;) {
      QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      if (affected) affected->push_back(st.ColumnText(0));
    }
  }
  QIMG_ASSIGN_OR_RETURN(Statement del, db->Prepare("DELETE FROM facts" + where));
  del.Bind(1, source);
  if (asset_id) del.Bind(2, *asset_id);
  QIMG_RETURN_IF_ERROR(del.Run());
  return db->Changes();
}

Result<std::vector<FactRow>> ListAssetFacts(Database* db, const std::string& asset_id) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      std::string("SELECT ") + kCols + " FROM facts f WHERE f.asset_id = ?1 ORDER BY f.fact_type, f.id"));
  st.Bind(1, asset_id);
  return CollectFacts(st, false);
}

Result<std::vector<FactRow>> ListAllFacts(Database* db) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      std::string("SELECT ") + kCols +
      ", a.rel_path FROM facts f JOIN assets a ON a.id = f.asset_id WHERE a.is_deleted = 0 "
      "ORDER BY f.asset_id, f.fact_type, f.id"));
  return CollectFacts(st, true);
}

Result<std::vector<FactRow>> ListAssetFactsNewestFirst(Database* db, const std::string& asset_id) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      std::string("SELECT ") + kCols +
      " FROM facts f WHERE f.asset_id = ?1 ORDER BY f.updated_at DESC, f.id DESC"));
  st.Bind(1, asset_id);
  return CollectFacts(st, false);
}

}  // namespace qimg
