// lexical_docs and the assets_fts index (SPEC §7.1), maintained incrementally: callers pass the
// assets whose name, contexts or facts changed. FTS rows use rowid = assets.rowid so a refresh
// is a keyed delete + insert, never a scan.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "store/database.h"

namespace qimg {

// Name/folder text for the index: ASCII letters lowercased, every byte that is not an ASCII
// letter or digit and not part of a UTF-8 sequence becomes a separator, so "IMG_0042.JPG" is
// "img 0042 jpg" and "Café-1.jpg" is "café 1 jpg" (FTS5 unicode61 then folds the accent).
std::string NameTokens(const std::string& text);

// Rebuilds lexical_docs and FTS rows of these assets (soft-deleted assets keep a doc, lose
// their FTS row; unknown ids have both removed).
Status RefreshLexical(Database* db, const std::vector<std::string>& asset_ids);
// Every asset: used once after migrating a database written by another version.
Status RebuildAllLexical(Database* db);

// A number that changes whenever lexical_docs (and so assets_fts) changes, in any process:
// triggers of schema migration 5 count every write. O(1).
Result<int64_t> LexicalGeneration(Database* db);

}  // namespace qimg
