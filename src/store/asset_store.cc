#include "store/asset_store.h"

#include "store/asset_id.h"

namespace qimg {

const char* const kAssetColumns =
    "a.id, a.collection_id, c.name, a.rel_path, a.abs_path, a.media_type, a.size, a.mtime, "
    "a.width, a.height, a.sha256, a.phash, a.created_at, a.updated_at, a.is_deleted, "
    "a.captured_at, a.format";

AssetRow ReadAssetRow(const Statement& st, int f) {
  AssetRow r;
  r.id = st.ColumnText(f + 0);
  r.collection_id = st.ColumnInt(f + 1);
  r.collection = st.ColumnText(f + 2);
  r.rel_path = st.ColumnText(f + 3);
  r.abs_path = st.ColumnText(f + 4);
  r.media_type = st.ColumnText(f + 5);
  r.size = st.ColumnInt(f + 6);
  r.mtime = st.ColumnDouble(f + 7);
  r.width = st.ColumnOptInt(f + 8);
  r.height = st.ColumnOptInt(f + 9);
  r.sha256 = st.ColumnOptText(f + 10);
  r.phash = st.ColumnOptText(f + 11);
  r.created_at = st.ColumnText(f + 12);
  r.updated_at = st.ColumnText(f + 13);
  r.is_deleted = st.ColumnInt(f + 14) != 0;
  r.captured_at = st.ColumnOptText(f + 15);
  r.format = st.ColumnOptText(f + 16);
  return r;
}

namespace {
std::string SelectFrom() {
  return std::string("SELECT ") + kAssetColumns +
         " FROM assets a JOIN collections c ON c.id = a.collection_id";
}
Result<std::vector<AssetRow>> Collect(Statement& st) {
  std::vector<AssetRow> out;
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadAssetRow(st));
  }
  return out;
}
Result<std::optional<AssetRow>> First(Statement& st) {
  QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<AssetRow>();
  return std::optional<AssetRow>(ReadAssetRow(st));
}
}  // namespace

Result<std::map<std::string, AssetRow>> LoadCollectionAssets(Database* db, int64_t collection_id) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(SelectFrom() + " WHERE a.collection_id = ?1"));
  st.Bind(1, collection_id);
  QIMG_ASSIGN_OR_RETURN(auto rows, Collect(st));
  std::map<std::string, AssetRow> out;
  for (auto& r : rows) out.emplace(r.rel_path, std::move(r));
  return out;
}

Status UpsertAsset(Database* db, const AssetRow& r) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "INSERT INTO assets(id, collection_id, rel_path, abs_path, media_type, size, mtime, width, "
      "height, sha256, phash, created_at, updated_at, is_deleted, captured_at, format) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
      "ON CONFLICT(id) DO UPDATE SET collection_id = excluded.collection_id, "
      "rel_path = excluded.rel_path, abs_path = excluded.abs_path, size = excluded.size, "
      "mtime = excluded.mtime, width = excluded.width, height = excluded.height, "
      "sha256 = excluded.sha256, phash = excluded.phash, updated_at = excluded.updated_at, "
      "is_deleted = excluded.is_deleted, captured_at = excluded.captured_at, "
      "format = excluded.format"));
  st.Bind(1, r.id).Bind(2, r.collection_id).Bind(3, r.rel_path).Bind(4, r.abs_path);
  st.Bind(5, r.media_type).Bind(6, r.size).Bind(7, r.mtime).Bind(8, r.width).Bind(9, r.height);
  st.Bind(10, r.sha256).Bind(11, r.phash).Bind(12, r.created_at).Bind(13, r.updated_at);
  st.Bind(14, r.is_deleted ? 1 : 0).Bind(15, r.captured_at).Bind(16, r.format);
  return st.Run();
}

Status MarkAssetDeleted(Database* db, const std::string& id, const std::string& now) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "UPDATE assets SET is_deleted = 1, updated_at = ?2 WHERE id = ?1"));
  st.Bind(1, id).Bind(2, now);
  return st.Run();
}

Result<std::string> AllocateAssetId(Database* db, int64_t collection_id,
                                    const std::string& rel_path) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT collection_id, rel_path FROM assets WHERE id = ?1"));
  for (int salt = 0; salt < 100000; ++salt) {
    std::string id = CandidateAssetId(collection_id, rel_path, salt);
    st.Bind(1, id);
    QIMG_ASSIGN_OR_RETURN(bool taken, st.Step());
    bool same = taken && st.ColumnInt(0) == collection_id && st.ColumnText(1) == rel_path;
    QIMG_RETURN_IF_ERROR(st.Reset());
    if (!taken || same) return id;
  }
  return Status::Internal("cannot allocate an asset id for " + rel_path);
}

Result<std::optional<AssetRow>> GetAsset(Database* db, const std::string& id) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(SelectFrom() + " WHERE a.id = ?1"));
  st.Bind(1, id);
  return First(st);
}

Result<std::vector<AssetRow>> GetAssets(Database* db, const std::vector<std::string>& ids) {
  // One statement reused per id: no IN lists that exceed SQLite's variable limit.
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(SelectFrom() + " WHERE a.id = ?1"));
  std::vector<AssetRow> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    st.Bind(1, id);
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) out.push_back(ReadAssetRow(st));
    QIMG_RETURN_IF_ERROR(st.Reset());
  }
  return out;
}

Result<std::optional<AssetRow>> FindAssetByAbsPath(Database* db, const std::string& abs_path) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(SelectFrom() + " WHERE a.abs_path = ?1"));
  st.Bind(1, abs_path);
  return First(st);
}

Result<std::vector<std::string>> FindIdsByPrefix(Database* db, const std::string& prefix,
                                                 int limit) {
  // Range scan on the primary key: [prefix, prefix + 0xFF).
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT id FROM assets WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT ?3"));
  st.Bind(1, prefix).Bind(2, prefix + "\xff").Bind(3, limit);
  std::vector<std::string> out;
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(st.ColumnText(0));
  }
  return out;
}

Result<std::vector<AssetRow>> FindAssetsByPath(Database* db, const std::string& path) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      SelectFrom() + " WHERE a.abs_path = ?1 OR a.rel_path = ?1 ORDER BY a.is_deleted, a.rowid"));
  st.Bind(1, path);
  return Collect(st);
}

Result<std::optional<AssetRow>> FindAssetByVirtualPath(Database* db, const std::string& collection,
                                                       const std::string& rel_path) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      SelectFrom() + " WHERE c.name = ?1 AND a.rel_path = ?2"));
  st.Bind(1, collection).Bind(2, rel_path);
  return First(st);
}

Result<std::vector<AssetRow>> ListActiveAssets(Database* db) {
  QIMG_ASSIGN_OR_RETURN(Statement st,
                        db->Prepare(SelectFrom() + " WHERE a.is_deleted = 0 ORDER BY a.rowid"));
  return Collect(st);
}

}  // namespace qimg
