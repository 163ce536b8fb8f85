// Import of the oldest qimg layout (tables images, image_text, image_vectors, …) into the
// current tables, exactly as SPEC §13 describes. Runs inside the caller's transaction.
#pragma once

#include "base/status.h"
#include "store/database.h"

namespace qimg {

// True when the database holds a legacy `images` table that has not been imported
// (schema_version.version < 2).
bool NeedsLegacyImport(Database* db);
// Imports legacy rows; idempotent (upserts). Corrupt when a required legacy column is missing.
Status ImportLegacyTables(Database* db);
// Parses a legacy tag string: '|' and ';' become ',', split on commas if any else on
// whitespace, trimmed, empties dropped, de-duplicated case-insensitively (first spelling wins).
std::vector<std::string> ParseLegacyTags(const std::string& text);

}  // namespace qimg
