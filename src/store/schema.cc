#include "store/schema.h"

#include <string>

#include "base/time_util.h"
#include "store/context_store.h"
#include "store/legacy_migration.h"
#include "store/lexical_store.h"

namespace qimg {
namespace {

// The original's migrations/setup.sql (SPEC §3.2), verbatim in shape: same tables, columns,
// constraints and indexes. Idempotent.
constexpr const char* kOriginalSchema = R"sql(
CREATE TABLE IF NOT EXISTS collections (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  root_path TEXT NOT NULL,
  mask TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS assets (
  id TEXT PRIMARY KEY,
  collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  rel_path TEXT NOT NULL,
  abs_path TEXT NOT NULL UNIQUE,
  media_type TEXT NOT NULL DEFAULT 'image',
  size INTEGER NOT NULL,
  mtime REAL NOT NULL,
  width INTEGER,
  height INTEGER,
  sha256 TEXT,
  phash TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  is_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS contexts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  virtual_path TEXT NOT NULL UNIQUE,
  text TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS asset_context_effective (
  asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  context_id INTEGER NOT NULL REFERENCES contexts(id) ON DELETE CASCADE,
  PRIMARY KEY (asset_id, context_id)
);
CREATE TABLE IF NOT EXISTS facts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  fact_type TEXT NOT NULL CHECK (fact_type IN ('caption','tag','object','ocr','exif','derived')),
  key TEXT,
  value_text TEXT,
  value_json TEXT,
  confidence REAL,
  source TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lexical_docs (
  asset_id TEXT PRIMARY KEY REFERENCES assets(id) ON DELETE CASCADE,
  filename_tokens TEXT NOT NULL DEFAULT '',
  folder_tokens TEXT NOT NULL DEFAULT '',
  context_text TEXT NOT NULL DEFAULT '',
  fact_text TEXT NOT NULL DEFAULT '',
  context_only_text TEXT NOT NULL DEFAULT '',
  facts_only_text TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS assets_fts USING fts5(
  asset_id UNINDEXED, filename_col, folder_col, context_col, facts_col
);
CREATE TABLE IF NOT EXISTS vectors (
  asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  model_id TEXT NOT NULL,
  embedding BLOB NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (asset_id, model_id)
);
CREATE TABLE IF NOT EXISTS llm_cache (
  key TEXT PRIMARY KEY,
  value_json TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS schema_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_assets_collection_rel ON assets(collection_id, rel_path);
CREATE INDEX IF NOT EXISTS idx_assets_deleted ON assets(is_deleted);
CREATE INDEX IF NOT EXISTS idx_contexts_vpath ON contexts(virtual_path);
CREATE INDEX IF NOT EXISTS idx_ace_asset ON asset_context_effective(asset_id);
CREATE INDEX IF NOT EXISTS idx_facts_asset_type ON facts(asset_id, fact_type);
CREATE INDEX IF NOT EXISTS idx_facts_source ON facts(source);
CREATE INDEX IF NOT EXISTS idx_vectors_model ON vectors(model_id);
)sql";

// Our additions (DESIGN §6):
// - assets.captured_at: local wall-clock capture time (EXIF DateTimeOriginal, else mtime),
//   what --after/--before filter on.
// - assets.format: the decoder's format name.
// - scan_issues: files that matched a collection's mask but could not be indexed, with the
//   reason (status and --json show them). Not assets: they never appear in results.
// - vectors.input_hash: content hash of the embedded input, so `embed` is incremental.
// - assets_fts rebuilt with rowid = assets.rowid (O(log n) delete instead of a scan of the
//   unindexed asset_id column) and unicode61 with remove_diacritics 2 (Café = cafe = CAFÉ).
constexpr const char* kMigration2 = R"sql(
ALTER TABLE assets ADD COLUMN captured_at TEXT;
ALTER TABLE assets ADD COLUMN format TEXT;
ALTER TABLE vectors ADD COLUMN input_hash TEXT;
CREATE TABLE IF NOT EXISTS scan_issues (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  rel_path TEXT NOT NULL,
  abs_path TEXT NOT NULL,
  reason TEXT NOT NULL,
  size INTEGER NOT NULL DEFAULT 0,
  mtime REAL NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL,
  UNIQUE (collection_id, rel_path)
);
CREATE INDEX IF NOT EXISTS idx_assets_captured ON assets(captured_at);
CREATE INDEX IF NOT EXISTS idx_assets_sha256 ON assets(sha256);
CREATE INDEX IF NOT EXISTS idx_facts_asset_source ON facts(asset_id, source);
DROP TABLE IF EXISTS assets_fts;
CREATE VIRTUAL TABLE assets_fts USING fts5(
  asset_id UNINDEXED, filename_col, folder_col, context_col, facts_col,
  tokenize = 'unicode61 remove_diacritics 2'
);
)sql";

// Migration 3 (vector index staleness, docs/vector-index.md): every write to `vectors` is
// logged by triggers, whichever process or code path makes it, so an index file can tell it is
// stale with one indexed MAX(seq) lookup and catch up by re-reading only the logged assets.
// The log is pruned up to a generation once an index file reflecting it has been written;
// vector_log_state remembers how far, so an older reader knows to reload instead.
constexpr const char* kMigration3 = R"sql(
CREATE TABLE IF NOT EXISTS vector_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  model_id TEXT NOT NULL,
  asset_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_vector_changes_model ON vector_changes(model_id, seq);
CREATE TABLE IF NOT EXISTS vector_log_state (
  model_id TEXT PRIMARY KEY,
  pruned_through INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS vectors_log_insert AFTER INSERT ON vectors BEGIN
  INSERT INTO vector_changes(model_id, asset_id) VALUES (NEW.model_id, NEW.asset_id);
END;
CREATE TRIGGER IF NOT EXISTS vectors_log_update AFTER UPDATE OF asset_id, model_id, embedding
ON vectors BEGIN
  INSERT INTO vector_changes(model_id, asset_id) VALUES (OLD.model_id, OLD.asset_id);
  INSERT INTO vector_changes(model_id, asset_id) VALUES (NEW.model_id, NEW.asset_id);
END;
CREATE TRIGGER IF NOT EXISTS vectors_log_delete AFTER DELETE ON vectors BEGIN
  INSERT INTO vector_changes(model_id, asset_id) VALUES (OLD.model_id, OLD.asset_id);
END;
)sql";

// Migration 4: facts by type. The OCR channels of vsearch and query read every OCR fact
// (`fact_type = 'ocr'`); the only facts index leads with asset_id, so each query scanned all
// facts (350k rows in a 100k library: a third of a hybrid query's time, docs/benchmarks.md).
constexpr const char* kMigration4 = R"sql(
CREATE INDEX IF NOT EXISTS idx_facts_type ON facts(fact_type, asset_id);
)sql";

// Migration 5: a generation number for the lexical index. A long-running server keeps an
// in-memory copy of assets_fts and of which assets are live (store/fts_mirror.h) and must know,
// from any connection and in O(1), whether either changed since it copied them. Every change to
// assets_fts goes with a change to lexical_docs in the same transaction
// (store/lexical_store.cc), and liveness is the assets' rows and is_deleted, so triggers on
// those count them, whichever process writes.
constexpr const char* kMigration5 = R"sql(
CREATE TABLE IF NOT EXISTS lexical_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  generation INTEGER NOT NULL
);
INSERT OR IGNORE INTO lexical_state(id, generation) VALUES (1, 0);
CREATE TRIGGER IF NOT EXISTS lexical_docs_generation_insert AFTER INSERT ON lexical_docs BEGIN
  UPDATE lexical_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS lexical_docs_generation_update AFTER UPDATE ON lexical_docs BEGIN
  UPDATE lexical_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS lexical_docs_generation_delete AFTER DELETE ON lexical_docs BEGIN
  UPDATE lexical_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS assets_generation_insert AFTER INSERT ON assets BEGIN
  UPDATE lexical_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS assets_generation_update AFTER UPDATE OF is_deleted, collection_id ON assets BEGIN
  UPDATE lexical_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS assets_generation_delete AFTER DELETE ON assets BEGIN
  UPDATE lexical_state SET generation = generation + 1 WHERE id = 1;
END;
)sql";

Status WriteLegacyVersion(Database* db) {
  auto st = db->Prepare(
      "INSERT INTO schema_version(id, version, updated_at) VALUES (1, ?1, ?2) "
      "ON CONFLICT(id) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at");
  if (!st.ok()) return st.status();
  st->Bind(1, kLegacySchemaVersion).Bind(2, NowIso());
  return st->Run();
}

Status RunMigration(Database* db, int number, bool* legacy_imported) {
  switch (number) {
    case 1: {
      QIMG_RETURN_IF_ERROR(db->Exec(kOriginalSchema));
      if (NeedsLegacyImport(db)) {
        QIMG_RETURN_IF_ERROR(ImportLegacyTables(db));
        *legacy_imported = true;
      }
      return WriteLegacyVersion(db);
    }
    case 2: {
      QIMG_RETURN_IF_ERROR(db->Exec(kMigration2));
      // Derived tables of a database written by the original (or just imported) were built
      // by other rules: rebuild them once, inside this migration's transaction.
      QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare("SELECT id FROM assets ORDER BY rowid"));
      std::vector<std::string> ids;
      for (;;) {
        QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        ids.push_back(st.ColumnText(0));
      }
      if (ids.empty()) return Status::Ok();
      QIMG_RETURN_IF_ERROR(MaterializeContexts(db, ids));
      return RebuildAllLexical(db);
    }
    case 3:
      return db->Exec(kMigration3);
    case 4:
      return db->Exec(kMigration4);
    case 5:
      return db->Exec(kMigration5);
  }
  return Status::Internal("unknown migration " + std::to_string(number));
}

}  // namespace

Result<MigrationReport> MigrateDatabase(Database* db) {
  MigrationReport report;
  QIMG_ASSIGN_OR_RETURN(int64_t version, db->QueryInt("PRAGMA user_version"));
  report.from_version = static_cast<int>(version);
  if (version > kSchemaVersion) {
    return Status::Corrupt("database " + db->path() + " was written by a newer qimg (schema " +
                           std::to_string(version) + ", this build knows " +
                           std::to_string(kSchemaVersion) + ")");
  }
  for (int n = static_cast<int>(version) + 1; n <= kSchemaVersion; ++n) {
    Transaction tx(db);
    QIMG_RETURN_IF_ERROR(tx.begin_status());
    bool legacy = false;
    Status s = RunMigration(db, n, &legacy);
    if (!s.ok()) return s.WithContext("migration " + std::to_string(n) + " failed");
    QIMG_RETURN_IF_ERROR(db->Exec("PRAGMA user_version = " + std::to_string(n)));
    QIMG_RETURN_IF_ERROR(tx.Commit());
    report.legacy_imported = report.legacy_imported || legacy;
  }
  report.to_version = kSchemaVersion;
  return report;
}

}  // namespace qimg
