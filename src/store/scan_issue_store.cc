#include "store/scan_issue_store.h"

namespace qimg {
namespace {
constexpr const char* kSelect =
    "SELECT s.collection_id, c.name, s.rel_path, s.abs_path, s.reason, s.size, s.mtime, "
    "s.updated_at FROM scan_issues s JOIN collections c ON c.id = s.collection_id";
ScanIssueRow ReadIssue(const Statement& st) {
  ScanIssueRow r;
  r.collection_id = st.ColumnInt(0);
  r.collection = st.ColumnText(1);
  r.rel_path = st.ColumnText(2);
  r.abs_path = st.ColumnText(3);
  r.reason = st.ColumnText(4);
  r.size = st.ColumnInt(5);
  r.mtime = st.ColumnDouble(6);
  r.updated_at = st.ColumnText(7);
  return r;
}
}  // namespace

Status UpsertScanIssue(Database* db, const ScanIssueRow& r) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "INSERT INTO scan_issues(collection_id, rel_path, abs_path, reason, size, mtime, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(collection_id, rel_path) DO UPDATE SET "
      "abs_path = excluded.abs_path, reason = excluded.reason, size = excluded.size, "
      "mtime = excluded.mtime, updated_at = excluded.updated_at"));
  st.Bind(1, r.collection_id).Bind(2, r.rel_path).Bind(3, r.abs_path).Bind(4, r.reason);
  st.Bind(5, r.size).Bind(6, r.mtime).Bind(7, r.updated_at);
  return st.Run();
}

Status DeleteScanIssue(Database* db, int64_t collection_id, const std::string& rel_path) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "DELETE FROM scan_issues WHERE collection_id = ?1 AND rel_path = ?2"));
  st.Bind(1, collection_id).Bind(2, rel_path);
  return st.Run();
}

Result<std::map<std::string, ScanIssueRow>> LoadScanIssues(Database* db, int64_t collection_id) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(std::string(kSelect) + " WHERE s.collection_id = ?1"));
  st.Bind(1, collection_id);
  std::map<std::string, ScanIssueRow> out;
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    auto r = ReadIssue(st);
    out.emplace(r.rel_path, r);
  }
  return out;
}

Result<std::vector<ScanIssueRow>> ListScanIssues(Database* db) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(std::string(kSelect) + " ORDER BY c.name, s.rel_path"));
  std::vector<ScanIssueRow> out;
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadIssue(st));
  }
  return out;
}

}  // namespace qimg
