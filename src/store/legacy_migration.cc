#include "store/legacy_migration.h"

#include <map>
#include <set>

#include "base/text.h"
#include "base/time_util.h"
#include "store/asset_id.h"

namespace qimg {
namespace {

Status InsertLegacyFact(Database* db, const std::string& asset_id, const char* type,
                        const std::optional<std::string>& key,
                        const std::optional<std::string>& value_text,
                        const std::optional<std::string>& value_json) {
  auto st = db->Prepare(
      "INSERT INTO facts(asset_id, fact_type, key, value_text, value_json, confidence, source, "
      "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, NULL, 'legacy', ?6, ?6)");
  if (!st.ok()) return st.status();
  st->Bind(1, asset_id).Bind(2, type).Bind(3, key).Bind(4, value_text).Bind(5, value_json);
  st->Bind(6, NowIso());
  return st->Run();
}

// Maps legacy image ids to asset ids, choosing "#<hex id>" unless another collection+path holds it.
Result<std::map<int64_t, std::string>> ImportImages(Database* db) {
  static const char* kRequired[] = {"id", "collection_id", "rel_path", "abs_path", "size",
                                    "mtime", "width", "height", "sha256", "phash",
                                    "created_at", "updated_at", "deleted"};
  for (const char* c : kRequired) {
    if (!db->ColumnExists("images", c))
      return Status::Corrupt(std::string("legacy table images lacks column ") + c);
  }
  bool has_exif = db->ColumnExists("images", "exif_json");
  std::string sql =
      "SELECT id, collection_id, rel_path, abs_path, size, mtime, width, height, sha256, phash, "
      "created_at, updated_at, deleted";
  sql += has_exif ? ", exif_json FROM images ORDER BY id" : ", NULL FROM images ORDER BY id";
  QIMG_ASSIGN_OR_RETURN(Statement rows, db->Prepare(sql));
  QIMG_ASSIGN_OR_RETURN(Statement owner, db->Prepare(
      "SELECT collection_id, rel_path FROM assets WHERE id = ?1"));
  QIMG_ASSIGN_OR_RETURN(Statement upsert, db->Prepare(
      "INSERT INTO assets(id, collection_id, rel_path, abs_path, media_type, size, mtime, width, "
      "height, sha256, phash, created_at, updated_at, is_deleted) "
      "VALUES (?1, ?2, ?3, ?4, 'image', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
      "ON CONFLICT(id) DO UPDATE SET collection_id = excluded.collection_id, "
      "rel_path = excluded.rel_path, abs_path = excluded.abs_path, size = excluded.size, "
      "mtime = excluded.mtime, width = excluded.width, height = excluded.height, "
      "sha256 = excluded.sha256, phash = excluded.phash, updated_at = excluded.updated_at, "
      "is_deleted = excluded.is_deleted"));
  std::map<int64_t, std::string> ids;
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) break;
    int64_t legacy_id = rows.ColumnInt(0);
    int64_t cid = rows.ColumnInt(1);
    std::string rel = rows.ColumnText(2);
    auto free_or_same = [&](const std::string& id) -> Result<bool> {
      owner.Bind(1, id);
      QIMG_ASSIGN_OR_RETURN(bool taken, owner.Step());
      bool ok = !taken || (owner.ColumnInt(0) == cid && owner.ColumnText(1) == rel);
      QIMG_RETURN_IF_ERROR(owner.Reset());
      return ok;
    };
    std::string id = LegacyAssetId(legacy_id);
    QIMG_ASSIGN_OR_RETURN(bool usable, free_or_same(id));
    for (int salt = 1; !usable && salt < 10000; ++salt) {
      id = CandidateAssetId(cid, rel, salt);
      QIMG_ASSIGN_OR_RETURN(usable, free_or_same(id));
    }
    std::string now = NowIso();
    std::string created = rows.IsNull(10) ? now : rows.ColumnText(10);
    std::string updated = rows.IsNull(11) ? now : rows.ColumnText(11);
    upsert.Bind(1, id).Bind(2, cid).Bind(3, rel).Bind(4, rows.ColumnText(3));
    upsert.Bind(5, rows.ColumnInt(4)).Bind(6, rows.ColumnDouble(5));
    upsert.Bind(7, rows.ColumnOptInt(6)).Bind(8, rows.ColumnOptInt(7));
    upsert.Bind(9, rows.ColumnOptText(8)).Bind(10, rows.ColumnOptText(9));
    upsert.Bind(11, created).Bind(12, updated).Bind(13, rows.ColumnOptInt(12).value_or(0));
    Status s = upsert.Run();
    if (!s.ok()) return s.WithContext("legacy image " + std::to_string(legacy_id));
    ids[legacy_id] = id;
    auto exif = rows.ColumnOptText(13);
    if (exif && !Trim(*exif).empty()) {
      QIMG_RETURN_IF_ERROR(InsertLegacyFact(db, id, "exif", "all", std::nullopt, *exif));
    }
  }
  return ids;
}

Status ImportTextTable(Database* db, const std::string& table,
                       const std::map<int64_t, std::string>& ids) {
  QIMG_ASSIGN_OR_RETURN(Statement rows,
                        db->Prepare("SELECT image_id, caption, tags, ocr_text FROM " + table));
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) break;
    auto it = ids.find(rows.ColumnInt(0));
    if (it == ids.end()) continue;
    const std::string& aid = it->second;
    std::string caption = Trim(rows.ColumnText(1));
    if (!caption.empty()) {
      QIMG_RETURN_IF_ERROR(InsertLegacyFact(db, aid, "caption", std::nullopt, caption, std::nullopt));
    }
    for (const std::string& tag : ParseLegacyTags(rows.ColumnText(2))) {
      QIMG_RETURN_IF_ERROR(InsertLegacyFact(db, aid, "tag", ToLowerAscii(tag), tag, std::nullopt));
    }
    std::string ocr = Trim(rows.ColumnText(3));
    if (!ocr.empty()) {
      QIMG_RETURN_IF_ERROR(InsertLegacyFact(db, aid, "ocr", std::nullopt, ocr, std::nullopt));
    }
  }
  return Status::Ok();
}

}  // namespace

bool NeedsLegacyImport(Database* db) {
  if (!db->TableExists("images")) return false;
  if (db->TableExists("schema_version")) {
    auto v = db->QueryInt("SELECT version FROM schema_version WHERE id = 1");
    if (v.ok() && *v >= 2) return false;
  }
  return true;
}

std::vector<std::string> ParseLegacyTags(const std::string& text) {
  std::string t = text;
  for (char& c : t)
    if (c == '|' || c == ';') c = ',';
  std::vector<std::string> parts;
  if (t.find(',') != std::string::npos) {
    parts = Split(t, ',');
  } else {
    std::string cur;
    for (char c : t) {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        if (!cur.empty()) parts.push_back(cur), cur.clear();
      } else {
        cur += c;
      }
    }
    if (!cur.empty()) parts.push_back(cur);
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (auto& p : parts) {
    std::string s = Trim(p);
    if (s.empty()) continue;
    if (!seen.insert(ToLowerAscii(s)).second) continue;
    out.push_back(s);
  }
  return out;
}

Status ImportLegacyTables(Database* db) {
  QIMG_ASSIGN_OR_RETURN(auto ids, ImportImages(db));
  if (db->TableExists("image_context_map")) {
    QIMG_ASSIGN_OR_RETURN(Statement rows,
                          db->Prepare("SELECT image_id, context_id FROM image_context_map"));
    QIMG_ASSIGN_OR_RETURN(Statement ins, db->Prepare(
        "INSERT OR IGNORE INTO asset_context_effective(asset_id, context_id) "
        "SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM contexts WHERE id = ?2)"));
    for (;;) {
      QIMG_ASSIGN_OR_RETURN(bool row, rows.Step());
      if (!row) break;
      auto it = ids.find(rows.ColumnInt(0));
      if (it == ids.end()) continue;
      ins.Bind(1, it->second).Bind(2, rows.ColumnInt(1));
      QIMG_RETURN_IF_ERROR(ins.Run());
    }
  }
  bool image_text_rows = db->TableExists("image_text") &&
                         db->QueryInt("SELECT COUNT(*) FROM image_text").value_or(0) > 0;
  if (image_text_rows) {
    QIMG_RETURN_IF_ERROR(ImportTextTable(db, "image_text", ids));
  } else if (db->TableExists("collection_search_records")) {
    QIMG_RETURN_IF_ERROR(ImportTextTable(db, "collection_search_records", ids));
  }
  if (db->TableExists("image_vectors")) {
    bool has_updated = db->ColumnExists("image_vectors", "updated_at");
    QIMG_ASSIGN_OR_RETURN(Statement rows, db->Prepare(
        std::string("SELECT image_id, model_id, embedding, ") +
        (has_updated ? "updated_at" : "NULL") + " FROM image_vectors"));
    QIMG_ASSIGN_OR_RETURN(Statement ins, db->Prepare(
        "INSERT INTO vectors(asset_id, model_id, embedding, updated_at) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT(asset_id, model_id) DO UPDATE SET embedding = excluded.embedding, "
        "updated_at = excluded.updated_at"));
    for (;;) {
      QIMG_ASSIGN_OR_RETURN(bool row, rows.Step());
      if (!row) break;
      auto it = ids.find(rows.ColumnInt(0));
      if (it == ids.end()) continue;
      std::string blob = rows.ColumnBlob(2);
      ins.Bind(1, it->second).Bind(2, rows.ColumnText(1)).BindBlob(3, blob.data(), blob.size());
      ins.Bind(4, rows.IsNull(3) ? NowIso() : rows.ColumnText(3));
      QIMG_RETURN_IF_ERROR(ins.Run());
    }
  }
  return Status::Ok();
}

}  // namespace qimg
