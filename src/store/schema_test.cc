#include "store/schema.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <set>

#include "store/asset_store.h"
#include "store/context_store.h"
#include "store/fact_store.h"
#include "store/test_db_path.h"

namespace qimg {
namespace {

using testing::TempDbPath;

TEST(SchemaTest, FreshDatabaseHasOriginalTablesAndOurVersion) {
  auto db = Database::Open(TempDbPath("fresh"));
  ASSERT_TRUE(db.ok()) << db.status().message();
  auto report = MigrateDatabase(db->get());
  ASSERT_TRUE(report.ok()) << report.status().message();
  for (const char* t : {"collections", "assets", "contexts", "asset_context_effective", "facts",
                        "lexical_docs", "assets_fts", "vectors", "llm_cache", "schema_version",
                        "scan_issues"}) {
    EXPECT_TRUE((*db)->TableExists(t)) << t;
  }
  EXPECT_EQ(*(*db)->QueryInt("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(*(*db)->QueryInt("SELECT version FROM schema_version WHERE id = 1"), 2);
  // Re-running is a no-op.
  auto again = MigrateDatabase(db->get());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->from_version, kSchemaVersion);
}

TEST(SchemaTest, OcrFactsAreFoundByTypeWithoutAScan) {
  auto db = Database::Open(TempDbPath("facts_type"));
  ASSERT_TRUE(db.ok()) << db.status().message();
  ASSERT_TRUE(MigrateDatabase(db->get()).ok());
  auto st = (*db)->Prepare(
      "EXPLAIN QUERY PLAN SELECT f.asset_id, f.value_text FROM facts f WHERE f.fact_type = 'ocr' "
      "AND f.value_text IS NOT NULL ORDER BY f.created_at DESC, f.id DESC");
  ASSERT_TRUE(st.ok());
  std::string plan;
  while (*st->Step()) plan += st->ColumnText(3) + "\n";
  EXPECT_NE(plan.find("idx_facts_type"), std::string::npos) << plan;
}

TEST(SchemaTest, NewerDatabaseIsRefused) {
  auto db = Database::Open(TempDbPath("newer"));
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("PRAGMA user_version = 99").ok());
  auto report = MigrateDatabase(db->get());
  EXPECT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("newer qimg"), std::string::npos);
}

// SPEC §14 test_migration_backfill, on a legacy database this test builds.
TEST(SchemaTest, LegacyDatabaseIsImported) {
  auto db = Database::Open(TempDbPath("legacy"));
  ASSERT_TRUE(db.ok());
  Database* d = db->get();
  ASSERT_TRUE(d->Exec(R"sql(
    CREATE TABLE collections (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,
      root_path TEXT NOT NULL, mask TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE contexts (id INTEGER PRIMARY KEY AUTOINCREMENT, virtual_path TEXT NOT NULL UNIQUE,
      text TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE images (id INTEGER PRIMARY KEY, collection_id INTEGER, rel_path TEXT, abs_path TEXT,
      size INTEGER, mtime REAL, width INTEGER, height INTEGER, sha256 TEXT, phash TEXT,
      created_at TEXT, updated_at TEXT, deleted INTEGER, exif_json TEXT);
    CREATE TABLE image_context_map (image_id INTEGER, context_id INTEGER);
    CREATE TABLE image_text (image_id INTEGER, caption TEXT, tags TEXT, ocr_text TEXT,
      filename_tokens TEXT, folder_tokens TEXT);
    CREATE TABLE image_vectors (image_id INTEGER, model_id TEXT, embedding BLOB, norm REAL);
    INSERT INTO collections VALUES (1, 'photos', '/data/photos', '**/*.jpg', '2024-01-01T00:00:00+00:00');
    INSERT INTO contexts VALUES (5, 'qimg://photos', 'Family photos', '2024-01-01T00:00:00+00:00');
    INSERT INTO images VALUES (10, 1, 'a.jpg', '/data/photos/a.jpg', 100, 1.5, 4, 3, NULL, NULL,
      NULL, NULL, NULL, '{"datetime": "2020:01:02 03:04:05", "camera_model": "X100"}');
    INSERT INTO image_context_map VALUES (10, 5);
    INSERT INTO image_text VALUES (10, 'a cat on a mat', 'cat,dog', 'hello world', '', '');
    INSERT INTO image_vectors VALUES (10, 'legacy-model', x'0000803f0000000000000000', 1.0);
  )sql").ok());
  auto report = MigrateDatabase(d);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->legacy_imported);
  auto asset = GetAsset(d, "#00000a");
  ASSERT_TRUE(asset.ok());
  ASSERT_TRUE(asset->has_value());
  EXPECT_EQ((*asset)->rel_path, "a.jpg");
  auto facts = ListAssetFacts(d, "#00000a");
  ASSERT_TRUE(facts.ok());
  std::set<std::string> types;
  int tags = 0;
  for (const auto& f : *facts) {
    EXPECT_EQ(f.source, "legacy");
    types.insert(f.fact_type);
    if (f.fact_type == "tag") ++tags;
  }
  EXPECT_EQ(types, (std::set<std::string>{"caption", "tag", "ocr", "exif"}));
  EXPECT_EQ(tags, 2);
  EXPECT_EQ(*d->QueryInt("SELECT COUNT(*) FROM asset_context_effective WHERE asset_id = '#00000a' "
                         "AND context_id = 5"), 1);
  EXPECT_EQ(*d->QueryInt("SELECT COUNT(*) FROM vectors WHERE model_id = 'legacy-model'"), 1);
  // The lexical index was rebuilt once, inside the migration.
  EXPECT_EQ(*d->QueryInt("SELECT COUNT(*) FROM assets_fts WHERE assets_fts MATCH 'cat'"), 1);
  EXPECT_EQ(*d->QueryInt("SELECT COUNT(*) FROM assets_fts WHERE assets_fts MATCH 'family'"), 1);
}

}  // namespace
}  // namespace qimg
