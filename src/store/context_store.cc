#include "store/context_store.h"

#include "base/text.h"
#include "base/time_util.h"

namespace qimg {

namespace {
constexpr const char* kScheme = "qimg://";

// Splits "qimg://coll/rest" into coll and rest ("" when the path names the collection).
bool SplitVirtualPath(const std::string& vpath, std::string* coll, std::string* rest) {
  if (!StartsWith(vpath, kScheme)) return false;
  std::string body = vpath.substr(7);
  auto slash = body.find('/');
  *coll = slash == std::string::npos ? body : body.substr(0, slash);
  *rest = slash == std::string::npos ? "" : body.substr(slash + 1);
  return !coll->empty();
}

ContextRow ReadContext(const Statement& st) {
  ContextRow r;
  r.id = st.ColumnInt(0);
  r.virtual_path = st.ColumnText(1);
  r.text = st.ColumnText(2);
  r.created_at = st.ColumnText(3);
  return r;
}
}  // namespace

Result<std::string> NormalizeVirtualPath(const std::string& text) {
  std::string t = Trim(text);
  if (!StartsWith(t, kScheme)) return Status::InvalidArgument("virtual path must start with qimg://");
  while (t.size() > 7 && t.back() == '/') t.pop_back();
  std::string coll, rest;
  if (!SplitVirtualPath(t, &coll, &rest))
    return Status::InvalidArgument("virtual path must name a collection: qimg://<collection>[/folder]");
  return t;
}

std::string AssetVirtualPath(const std::string& collection, const std::string& rel_path) {
  std::string v = std::string(kScheme) + collection;
  if (!rel_path.empty()) v += "/" + rel_path;
  while (v.size() > 7 && v.back() == '/') v.pop_back();
  return v;
}

Result<ContextRow> UpsertContext(Database* db, const std::string& vpath, const std::string& text) {
  QIMG_ASSIGN_OR_RETURN(Statement del, db->Prepare("DELETE FROM contexts WHERE virtual_path = ?1"));
  del.Bind(1, vpath);
  QIMG_RETURN_IF_ERROR(del.Run());
  QIMG_ASSIGN_OR_RETURN(Statement ins, db->Prepare(
      "INSERT INTO contexts(virtual_path, text, created_at) VALUES (?1, ?2, ?3)"));
  ContextRow r;
  r.virtual_path = vpath;
  r.text = Trim(text);
  r.created_at = NowIso();
  ins.Bind(1, vpath).Bind(2, r.text).Bind(3, r.created_at);
  QIMG_RETURN_IF_ERROR(ins.Run());
  r.id = db->LastInsertRowId();
  return r;
}

Result<bool> DeleteContext(Database* db, const std::string& vpath) {
  QIMG_ASSIGN_OR_RETURN(Statement del, db->Prepare("DELETE FROM contexts WHERE virtual_path = ?1"));
  del.Bind(1, vpath);
  QIMG_RETURN_IF_ERROR(del.Run());
  return db->Changes() > 0;
}

Result<std::vector<ContextRow>> ListContexts(Database* db,
                                             const std::optional<std::string>& prefix) {
  std::string sql = "SELECT id, virtual_path, text, created_at FROM contexts";
  if (prefix) sql += " WHERE virtual_path = ?1 OR substr(virtual_path, 1, length(?1) + 1) = ?1 || '/'";
  sql += " ORDER BY virtual_path";
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(sql));
  if (prefix) st.Bind(1, *prefix);
  std::vector<ContextRow> out;
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadContext(st));
  }
  return out;
}

Result<std::vector<std::string>> AssetsUnderVirtualPath(Database* db, const std::string& vpath) {
  std::string coll, rest;
  if (!SplitVirtualPath(vpath, &coll, &rest)) return std::vector<std::string>();
  std::string sql =
      "SELECT a.id FROM assets a JOIN collections c ON c.id = a.collection_id "
      "WHERE c.name = ?1 AND a.is_deleted = 0";
  if (!rest.empty())
    sql += " AND (a.rel_path = ?2 OR substr(a.rel_path, 1, length(?2) + 1) = ?2 || '/')";
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(sql));
  st.Bind(1, coll);
  if (!rest.empty()) st.Bind(2, rest);
  std::vector<std::string> out;
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(st.ColumnText(0));
  }
  return out;
}

Status MaterializeContexts(Database* db, const std::vector<std::string>& asset_ids) {
  QIMG_ASSIGN_OR_RETURN(Statement get, db->Prepare(
      "SELECT c.name, a.rel_path, a.is_deleted FROM assets a "
      "JOIN collections c ON c.id = a.collection_id WHERE a.id = ?1"));
  QIMG_ASSIGN_OR_RETURN(Statement del, db->Prepare(
      "DELETE FROM asset_context_effective WHERE asset_id = ?1"));
  QIMG_ASSIGN_OR_RETURN(Statement find, db->Prepare("SELECT id FROM contexts WHERE virtual_path = ?1"));
  QIMG_ASSIGN_OR_RETURN(Statement link, db->Prepare(
      "INSERT OR IGNORE INTO asset_context_effective(asset_id, context_id) VALUES (?1, ?2)"));
  for (const auto& id : asset_ids) {
    del.Bind(1, id);
    QIMG_RETURN_IF_ERROR(del.Run());
    get.Bind(1, id);
    QIMG_ASSIGN_OR_RETURN(bool row, get.Step());
    if (!row || get.ColumnInt(2) != 0) {
      QIMG_RETURN_IF_ERROR(get.Reset());
      continue;
    }
    std::string coll = get.ColumnText(0);
    std::string rel = get.ColumnText(1);
    QIMG_RETURN_IF_ERROR(get.Reset());
    // Every ancestor path at a '/' boundary, from the collection root to the file itself.
    std::vector<std::string> candidates = {AssetVirtualPath(coll, "")};
    for (size_t pos = 0; pos <= rel.size(); ++pos) {
      if (pos == rel.size() || rel[pos] == '/') {
        if (pos > 0) candidates.push_back(AssetVirtualPath(coll, rel.substr(0, pos)));
      }
    }
    for (const auto& vp : candidates) {
      find.Bind(1, vp);
      QIMG_ASSIGN_OR_RETURN(bool hit, find.Step());
      int64_t cid = hit ? find.ColumnInt(0) : 0;
      QIMG_RETURN_IF_ERROR(find.Reset());
      if (!hit) continue;
      link.Bind(1, id).Bind(2, cid);
      QIMG_RETURN_IF_ERROR(link.Run());
    }
  }
  return Status::Ok();
}

Result<std::vector<ContextRow>> EffectiveContexts(Database* db, const std::string& asset_id) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT c.id, c.virtual_path, c.text, c.created_at FROM asset_context_effective e "
      "JOIN contexts c ON c.id = e.context_id WHERE e.asset_id = ?1 ORDER BY c.virtual_path"));
  st.Bind(1, asset_id);
  std::vector<ContextRow> out;
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadContext(st));
  }
  return out;
}

}  // namespace qimg
