#include "store/collection_store.h"

#include "base/time_util.h"

namespace qimg {
namespace {
CollectionRow ReadCollection(const Statement& st) {
  CollectionRow r;
  r.id = st.ColumnInt(0);
  r.name = st.ColumnText(1);
  r.root_path = st.ColumnText(2);
  r.mask = st.ColumnText(3);
  r.created_at = st.ColumnText(4);
  return r;
}
constexpr const char* kSelect = "SELECT id, name, root_path, mask, created_at FROM collections";
}  // namespace

Result<CollectionRow> InsertCollection(Database* db, const std::string& name,
                                       const std::string& root_path, const std::string& mask) {
  QIMG_ASSIGN_OR_RETURN(auto existing, FindCollection(db, name));
  if (existing) return Status::AlreadyExists("collection '" + name + "' already exists");
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "INSERT INTO collections(name, root_path, mask, created_at) VALUES (?1, ?2, ?3, ?4)"));
  CollectionRow r;
  r.name = name;
  r.root_path = root_path;
  r.mask = mask;
  r.created_at = NowIso();
  st.Bind(1, name).Bind(2, root_path).Bind(3, mask).Bind(4, r.created_at);
  QIMG_RETURN_IF_ERROR(st.Run());
  r.id = db->LastInsertRowId();
  return r;
}

Result<std::vector<CollectionRow>> ListCollections(Database* db) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(std::string(kSelect) + " ORDER BY name"));
  std::vector<CollectionRow> out;
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadCollection(st));
  }
  return out;
}

Result<std::optional<CollectionRow>> FindCollection(Database* db, const std::string& name) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(std::string(kSelect) + " WHERE name = ?1"));
  st.Bind(1, name);
  QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<CollectionRow>();
  return std::optional<CollectionRow>(ReadCollection(st));
}

Status RenameCollection(Database* db, const std::string& old_name, const std::string& new_name) {
  QIMG_ASSIGN_OR_RETURN(auto old_row, FindCollection(db, old_name));
  if (!old_row) return Status::NotFound("no collection named '" + old_name + "'");
  QIMG_ASSIGN_OR_RETURN(auto new_row, FindCollection(db, new_name));
  if (new_row) return Status::AlreadyExists("collection '" + new_name + "' already exists");
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare("UPDATE collections SET name = ?2 WHERE id = ?1"));
  st.Bind(1, old_row->id).Bind(2, new_name);
  QIMG_RETURN_IF_ERROR(st.Run());
  // Move contexts: exact root and everything below it (substr comparison: no LIKE wildcards).
  std::string old_vp = "qimg://" + old_name;
  std::string new_vp = "qimg://" + new_name;
  QIMG_ASSIGN_OR_RETURN(Statement mv, db->Prepare(
      "UPDATE contexts SET virtual_path = ?2 || substr(virtual_path, length(?1) + 1) "
      "WHERE virtual_path = ?1 OR substr(virtual_path, 1, length(?1) + 1) = ?1 || '/'"));
  mv.Bind(1, old_vp).Bind(2, new_vp);
  Status s = mv.Run();
  if (!s.ok())
    return s.WithContext("cannot move contexts of '" + old_name + "' (a context under '" +
                         new_vp + "' already exists)");
  return Status::Ok();
}

Status DeleteCollection(Database* db, int64_t id) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare("DELETE FROM collections WHERE id = ?1"));
  st.Bind(1, id);
  return st.Run();
}

}  // namespace qimg
