// Assets: one row per indexed image file (SPEC §3.2 plus captured_at / format).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/database.h"

namespace qimg {

struct AssetRow {
  std::string id;
  int64_t collection_id = 0;
  std::string collection;  // collection name (joined)
  std::string rel_path;
  std::string abs_path;
  std::string media_type = "image";
  int64_t size = 0;
  double mtime = 0;
  std::optional<int64_t> width;
  std::optional<int64_t> height;
  std::optional<std::string> sha256;
  std::optional<std::string> phash;
  std::string created_at;
  std::string updated_at;
  bool is_deleted = false;
  std::optional<std::string> captured_at;  // local wall-clock ISO, EXIF first, else mtime
  std::optional<std::string> format;
};

// Columns for SELECT; ReadAssetRow reads a row selected with them (alias a, collections c).
extern const char* const kAssetColumns;
AssetRow ReadAssetRow(const Statement& st, int first_col = 0);

// All assets of a collection (including soft-deleted), keyed by rel_path.
Result<std::map<std::string, AssetRow>> LoadCollectionAssets(Database* db, int64_t collection_id);
// Inserts or updates by id (all columns written).
Status UpsertAsset(Database* db, const AssetRow& row);
Status MarkAssetDeleted(Database* db, const std::string& id, const std::string& now);
// Allocates a fresh id for (collection, rel_path): the first salted candidate not used by
// another file.
Result<std::string> AllocateAssetId(Database* db, int64_t collection_id, const std::string& rel_path);
// Exact lookups; nullopt when absent. Include soft-deleted assets.
Result<std::optional<AssetRow>> GetAsset(Database* db, const std::string& id);
Result<std::vector<AssetRow>> GetAssets(Database* db, const std::vector<std::string>& ids);
// Another asset already holding this abs_path (overlapping collections, symlinks).
Result<std::optional<AssetRow>> FindAssetByAbsPath(Database* db, const std::string& abs_path);
// Ids starting with prefix ("#ab12"), at most limit.
Result<std::vector<std::string>> FindIdsByPrefix(Database* db, const std::string& prefix, int limit);
Result<std::vector<AssetRow>> FindAssetsByPath(Database* db, const std::string& path);
Result<std::optional<AssetRow>> FindAssetByVirtualPath(Database* db, const std::string& collection,
                                                       const std::string& rel_path);
// Every non-deleted asset, in rowid (insertion) order.
Result<std::vector<AssetRow>> ListActiveAssets(Database* db);

}  // namespace qimg
