// Schema and numbered migrations. The tables of the original qimg (SPEC §3.2) come first, so a
// database written by the original opens; our additions follow as numbered migrations tracked
// with PRAGMA user_version. The original's legacy import (SPEC §13) runs inside migration 1.
#pragma once

#include "base/status.h"
#include "store/database.h"

namespace qimg {

// Latest migration number this build knows.
inline constexpr int kSchemaVersion = 5;
// The original's schema_version.version value (kept in its own table for compatibility).
inline constexpr int kLegacySchemaVersion = 2;

struct MigrationReport {
  int from_version = 0;
  int to_version = 0;
  bool legacy_imported = false;
};

// Brings the database to kSchemaVersion inside one transaction per migration. A database from
// a newer qimg (user_version > kSchemaVersion) is refused with a clear error.
Result<MigrationReport> MigrateDatabase(Database* db);

}  // namespace qimg
