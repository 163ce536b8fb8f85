// Contexts: human notes on virtual paths, inherited by every asset at or below the path
// (SPEC §5). Links are materialised in asset_context_effective, incrementally: only assets
// under a changed path, or assets that changed, are touched.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/database.h"

namespace qimg {

struct ContextRow {
  int64_t id = 0;
  std::string virtual_path;
  std::string text;
  std::string created_at;
};

// Trims, requires "qimg://<collection>[/...]", strips trailing '/'. InvalidArgument otherwise
// (including "qimg://" alone, which the original silently turned into "qimg:").
Result<std::string> NormalizeVirtualPath(const std::string& text);
// "qimg://<collection>/<rel_path>" (no trailing '/').
std::string AssetVirtualPath(const std::string& collection, const std::string& rel_path);

// Replaces any context at the path. Returns the new row.
Result<ContextRow> UpsertContext(Database* db, const std::string& vpath, const std::string& text);
// True when a row was deleted.
Result<bool> DeleteContext(Database* db, const std::string& vpath);
// Ordered by virtual_path; with a prefix, only the prefix itself and paths below it
// (segment-exact, no LIKE wildcards).
Result<std::vector<ContextRow>> ListContexts(Database* db, const std::optional<std::string>& prefix);
// Ids of non-deleted assets at or below vpath.
Result<std::vector<std::string>> AssetsUnderVirtualPath(Database* db, const std::string& vpath);
// Recomputes the links of the given assets (soft-deleted ones get none).
Status MaterializeContexts(Database* db, const std::vector<std::string>& asset_ids);
// Effective context texts of an asset, ordered by virtual_path.
Result<std::vector<ContextRow>> EffectiveContexts(Database* db, const std::string& asset_id);

}  // namespace qimg
