#include "store/context_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <map>

#include "store/asset_store.h"
#include "store/collection_store.h"
#include "store/lexical_store.h"
#include "store/schema.h"

namespace qimg {
namespace {

class ContextStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string p = testing::TempDir() + "/ctx_" + std::to_string(::getpid()) + ".sqlite3";
    ::unlink(p.c_str());
    auto db = Database::Open(p);
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    ASSERT_TRUE(MigrateDatabase(db_.get()).ok());
    auto c = InsertCollection(db_.get(), "photos", "/data/photos", "**/*.jpg");
    ASSERT_TRUE(c.ok());
    AddAsset(c->id, "2024/trip.jpg");
    AddAsset(c->id, "2024-old/x.jpg");
    AddAsset(c->id, "top.jpg");
  }
  void AddAsset(int64_t cid, const std::string& rel) {
    AssetRow r;
    r.id = *AllocateAssetId(db_.get(), cid, rel);
    r.collection_id = cid;
    r.rel_path = rel;
    r.abs_path = "/data/photos/" + rel;
    r.created_at = r.updated_at = "2024-01-01T00:00:00+00:00";
    ASSERT_TRUE(UpsertAsset(db_.get(), r).ok());
    ids_[rel] = r.id;
  }
  std::vector<std::string> Texts(const std::string& rel) {
    std::vector<std::string> out;
    auto rows = EffectiveContexts(db_.get(), ids_[rel]);
    EXPECT_TRUE(rows.ok());
    for (auto& c : *rows) out.push_back(c.text);
    return out;
  }
  std::unique_ptr<Database> db_;
  std::map<std::string, std::string> ids_;
};

TEST_F(ContextStoreTest, InheritanceIsSegmentExactAndOrdered) {
  ASSERT_TRUE(UpsertContext(db_.get(), "qimg://photos", "Family photos").ok());
  ASSERT_TRUE(UpsertContext(db_.get(), "qimg://photos/2024", "Japan trip").ok());
  ASSERT_TRUE(UpsertContext(db_.get(), "qimg://pho", "never").ok());
  std::vector<std::string> all;
  for (auto& [rel, id] : ids_) all.push_back(id);
  ASSERT_TRUE(MaterializeContexts(db_.get(), all).ok());
  EXPECT_EQ(Texts("2024/trip.jpg"), (std::vector<std::string>{"Family photos", "Japan trip"}));
  EXPECT_EQ(Texts("2024-old/x.jpg"), (std::vector<std::string>{"Family photos"}));
  EXPECT_EQ(Texts("top.jpg"), (std::vector<std::string>{"Family photos"}));
  auto under = AssetsUnderVirtualPath(db_.get(), "qimg://photos/2024");
  ASSERT_TRUE(under.ok());
  EXPECT_EQ(under->size(), 1u);
}

TEST_F(ContextStoreTest, NormalizationRejectsBadPaths) {
  EXPECT_EQ(*NormalizeVirtualPath("  qimg://photos/2024/ "), "qimg://photos/2024");
  EXPECT_FALSE(NormalizeVirtualPath("photos/2024").ok());
  EXPECT_FALSE(NormalizeVirtualPath("qimg://").ok());
  EXPECT_FALSE(NormalizeVirtualPath("qimg:///").ok());
}

TEST_F(ContextStoreTest, RenameMovesContexts) {
  ASSERT_TRUE(UpsertContext(db_.get(), "qimg://photos/2024", "Japan trip").ok());
  ASSERT_TRUE(UpsertContext(db_.get(), "qimg://photos2/x", "other").ok());
  ASSERT_TRUE(RenameCollection(db_.get(), "photos", "pics").ok());
  auto list = ListContexts(db_.get(), std::nullopt);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].virtual_path, "qimg://photos2/x");
  EXPECT_EQ((*list)[1].virtual_path, "qimg://pics/2024");
  EXPECT_FALSE(RenameCollection(db_.get(), "nope", "x").ok());
}

TEST_F(ContextStoreTest, LexicalDocsFollowContexts) {
  ASSERT_TRUE(UpsertContext(db_.get(), "qimg://photos/2024", "Café trip").ok());
  std::vector<std::string> all;
  for (auto& [rel, id] : ids_) all.push_back(id);
  ASSERT_TRUE(MaterializeContexts(db_.get(), all).ok());
  ASSERT_TRUE(RefreshLexical(db_.get(), all).ok());
  EXPECT_EQ(*db_->QueryInt("SELECT COUNT(*) FROM assets_fts WHERE assets_fts MATCH 'cafe'"), 1);
  EXPECT_EQ(*db_->QueryInt("SELECT COUNT(*) FROM assets_fts WHERE assets_fts MATCH 'CAFÉ'"), 1);
  EXPECT_EQ(NameTokens("IMG_0042.JPG"), "img 0042 jpg");
}

}  // namespace
}  // namespace qimg
