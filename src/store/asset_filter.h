// Asset filters shared by every retrieval channel (SPEC §9.6 with §15 items 12-14 fixed): the
// filter is a value, and this file turns it into one SQL condition with bound parameters, so
// lexical, vector and hybrid search restrict candidates identically.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/status.h"
#include "store/database.h"

namespace qimg {

struct AssetFilter {
  std::optional<std::string> collection;   // exact, case-sensitive collection name
  std::optional<std::string> path_prefix;  // literal prefix of rel_path (no wildcards)
  // Inclusive bounds on the local capture time "YYYY-MM-DDTHH:MM:SS" (assets.captured_at,
  // falling back to the file mtime in local time for rows written without it).
  std::optional<std::string> captured_from;
  std::optional<std::string> captured_to;
  std::optional<int64_t> min_width;   // null width counts as 0
  std::optional<int64_t> min_height;  // null height counts as 0

  // True when only the implicit "not deleted" condition applies.
  bool IsEmpty() const;
};

using SqlParam = std::variant<int64_t, std::string>;

struct SqlCondition {
  std::string sql;               // always starts with "a.is_deleted = 0"
  std::vector<SqlParam> params;  // bound to ?first_param, ?first_param+1, ...
};

// The condition over `assets a JOIN collections c ON c.id = a.collection_id`. Parameters are
// numbered from first_param so callers can put their own parameters before them.
SqlCondition AssetFilterSql(const AssetFilter& filter, int first_param);

// Binds the condition's parameters (from first_param) on a prepared statement.
void BindSqlParams(Statement& st, const std::vector<SqlParam>& params, int first_param);

// Ids of all active assets passing the filter, in rowid order (for channels that scan an
// allowed set, e.g. exact vector search under filters).
Result<std::vector<std::string>> FilteredAssetIds(Database* db, const AssetFilter& filter);

}  // namespace qimg
