#include "store/fts_mirror.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <random>

#include "store/asset_store.h"
#include "store/collection_store.h"
#include "store/lexical_store.h"
#include "store/schema.h"
#include "store/test_db_path.h"

namespace qimg {
namespace {

using testing::TempDbPath;

// A vocabulary with a few very common words (IDF clamped to 1e-6 once in more than half the
// rows), middling ones and rare ones, so every branch of bm25 is exercised.
std::vector<std::string> Vocabulary() {
  std::vector<std::string> v = {"the", "a", "photo", "red", "car", "cat", "kyoto", "trip"};
  for (int i = 0; i < 60; ++i) v.push_back("w" + std::to_string(i));
  return v;
}

std::string RandomText(std::mt19937* rng, const std::vector<std::string>& vocab, int max_words) {
  std::string out;
  const int n = static_cast<int>((*rng)() % (max_words + 1));
  for (int i = 0; i < n; ++i) {
    // Skewed: low indexes (the common words) far more often.
    size_t k = (*rng)() % vocab.size();
    if ((*rng)() % 2) k = k % 8;
    if (!out.empty()) out += (*rng)() % 5 == 0 ? " || " : " ";
    out += vocab[k];
  }
  return out;
}

bool SameDouble(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

class FtsMirrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(TempDbPath("fts_mirror"));
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(db).value();
    ASSERT_TRUE(MigrateDatabase(db_.get()).ok());
  }

  // Writes FTS rows (and the lexical_docs rows that go with them) directly.
  void Put(int64_t rowid, const std::string& file, const std::string& folder,
           const std::string& context, const std::string& facts) {
    auto del = db_->Prepare("DELETE FROM assets_fts WHERE rowid = ?1");
    ASSERT_TRUE(del.ok());
    del->Bind(1, rowid);
    ASSERT_TRUE(del->Run().ok());
    auto ins = db_->Prepare(
        "INSERT INTO assets_fts(rowid, asset_id, filename_col, folder_col, context_col, facts_col) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    ASSERT_TRUE(ins.ok());
    ins->Bind(1, rowid).Bind(2, "#" + std::to_string(rowid)).Bind(3, file).Bind(4, folder);
    ins->Bind(5, context).Bind(6, facts);
    ASSERT_TRUE(ins->Run().ok());
  }

  void Remove(int64_t rowid) {
    auto del = db_->Prepare("DELETE FROM assets_fts WHERE rowid = ?1");
    ASSERT_TRUE(del.ok());
    del->Bind(1, rowid);
    ASSERT_TRUE(del->Run().ok());
  }

  void Fill(std::mt19937* rng, int rows) {
    const auto vocab = Vocabulary();
    ASSERT_TRUE(db_->Exec("BEGIN").ok());
    for (int r = 1; r <= rows; ++r) {
      // Rowids with gaps, as after deletions of assets.
      Put(r * 3 + static_cast<int64_t>((*rng)() % 3), RandomText(rng, vocab, 3),
          RandomText(rng, vocab, 2), RandomText(rng, vocab, 12), RandomText(rng, vocab, 20));
    }
    ASSERT_TRUE(db_->Exec("COMMIT").ok());
  }

  // What FTS5 itself returns (the statement of store/lexical_query.cc's unfiltered ranking).
  std::vector<LexicalHit> Sql(const std::vector<std::string>& tokens, bool all, int64_t limit) {
    auto expr = TokenMatchExpression(tokens, all);
    EXPECT_TRUE(expr.ok());
    auto st = db_->Prepare(
        "SELECT rowid, bm25(assets_fts, 0, 1, 1, 0, 0), bm25(assets_fts, 0, 0, 0, 1, 0), "
        "bm25(assets_fts, 0, 0, 0, 0, 1) FROM assets_fts WHERE assets_fts MATCH ?1 "
        "ORDER BY bm25(assets_fts) LIMIT ?2");
    EXPECT_TRUE(st.ok());
    st->Bind(1, *expr).Bind(2, limit);
    std::vector<LexicalHit> out;
    for (;;) {
      auto row = st->Step();
      EXPECT_TRUE(row.ok());
      if (!row.ok() || !*row) break;
      LexicalHit h;
      h.rowid = st->ColumnInt(0);
      h.bm25_namefolder = st->ColumnDouble(1);
      h.bm25_context = st->ColumnDouble(2);
      h.bm25_facts = st->ColumnDouble(3);
      out.push_back(h);
    }
    return out;
  }

  void ExpectSame(const FtsMirror& m, const std::vector<std::string>& tokens, bool all,
                  int64_t limit) {
    std::string what;
    for (const auto& t : tokens) what += t + (all ? " AND " : " OR ");
    auto got = m.Rank(tokens, all, limit);
    ASSERT_TRUE(got.ok()) << got.status().message();
    auto want = Sql(tokens, all, limit);
    ASSERT_EQ(got->size(), want.size()) << what;
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ((*got)[i].rowid, want[i].rowid) << what << " position " << i;
      ASSERT_TRUE(SameDouble((*got)[i].bm25_namefolder, want[i].bm25_namefolder))
          << what << (*got)[i].bm25_namefolder << " vs " << want[i].bm25_namefolder;
      ASSERT_TRUE(SameDouble((*got)[i].bm25_context, want[i].bm25_context))
          << what << (*got)[i].bm25_context << " vs " << want[i].bm25_context;
      ASSERT_TRUE(SameDouble((*got)[i].bm25_facts, want[i].bm25_facts))
          << what << (*got)[i].bm25_facts << " vs " << want[i].bm25_facts;
    }
  }

  void CompareRandomQueries(std::mt19937* rng, const FtsMirror& m, int queries) {
    const auto vocab = Vocabulary();
    for (int q = 0; q < queries; ++q) {
      std::vector<std::string> tokens;
      const int n = 1 + static_cast<int>((*rng)() % 4);
      for (int i = 0; i < n; ++i) tokens.push_back(vocab[(*rng)() % vocab.size()]);
      if ((*rng)() % 4 == 0) tokens.push_back("absentword");
      const int64_t limit = (*rng)() % 3 == 0 ? 100000 : 1 + static_cast<int64_t>((*rng)() % 40);
      ExpectSame(m, tokens, true, limit);
      ExpectSame(m, tokens, false, limit);
      if (HasFatalFailure()) return;
    }
  }

  std::unique_ptr<Database> db_;
};

TEST_F(FtsMirrorTest, RanksExactlyLikeFts5Bm25) {
  std::mt19937 rng(7);
  Fill(&rng, 400);
  auto m = FtsMirror::Load(db_.get());
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_GT((*m)->documents(), 390u);
  EXPECT_GT((*m)->terms(), 60u);
  EXPECT_GT((*m)->memory_bytes(), 0u);
  CompareRandomQueries(&rng, **m, 150);
  // Hand-picked: a clamped-IDF word alone, a repeated token, ties between equal rows.
  ExpectSame(**m, {"the"}, true, 50);
  ExpectSame(**m, {"car", "car"}, true, 50);
  ExpectSame(**m, {"car", "car"}, false, 50);
  Put(900001, "same", "", "", "");
  Put(900002, "same", "", "", "");
  auto again = FtsMirror::Load(db_.get());
  ASSERT_TRUE(again.ok());
  ExpectSame(**again, {"same"}, false, 10);
}

TEST_F(FtsMirrorTest, StaysExactAfterDeletesAndRewrites) {
  std::mt19937 rng(11);
  Fill(&rng, 300);
  const auto vocab = Vocabulary();
  for (int64_t r = 3; r < 400; r += 7) Remove(r);
  for (int64_t r = 4; r < 400; r += 11) Put(r, "car", "kyoto", RandomText(&rng, vocab, 8), "red car");
  auto m = FtsMirror::Load(db_.get());
  ASSERT_TRUE(m.ok()) << m.status().message();
  CompareRandomQueries(&rng, **m, 80);
}

TEST_F(FtsMirrorTest, EmptyIndexAndBadInput) {
  auto m = FtsMirror::Load(db_.get());
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ((*m)->documents(), 0u);
  auto none = (*m)->Rank({"car"}, false, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE((*m)->Rank({}, true, 10).ok());
}

TEST_F(FtsMirrorTest, GenerationCountsEveryLexicalWrite) {
  auto g0 = LexicalGeneration(db_.get());
  ASSERT_TRUE(g0.ok()) << g0.status().message();
  // The triggers are what is tested here, not the reference to assets.
  ASSERT_TRUE(db_->Exec("PRAGMA foreign_keys = OFF").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO lexical_docs(asset_id, updated_at) VALUES ('#1', 'x')").ok());
  auto g1 = LexicalGeneration(db_.get());
  ASSERT_TRUE(db_->Exec("UPDATE lexical_docs SET fact_text = 'cat' WHERE asset_id = '#1'").ok());
  auto g2 = LexicalGeneration(db_.get());
  ASSERT_TRUE(db_->Exec("DELETE FROM lexical_docs").ok());
  auto g3 = LexicalGeneration(db_.get());
  ASSERT_TRUE(g1.ok() && g2.ok() && g3.ok());
  EXPECT_LT(*g0, *g1);
  EXPECT_LT(*g1, *g2);
  EXPECT_LT(*g2, *g3);
  auto m = FtsMirror::Load(db_.get());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->generation(), *g3);
  // Liveness of assets counts too: adding, soft-deleting and removing one.
  ASSERT_TRUE(db_->Exec("PRAGMA foreign_keys = ON").ok());
  auto c = InsertCollection(db_.get(), "photos", "/lib", "**/*");
  ASSERT_TRUE(c.ok());
  AssetRow a;
  a.id = "#a1";
  a.collection_id = c->id;
  a.rel_path = a.abs_path = "x.jpg";
  a.created_at = a.updated_at = "now";
  int64_t last = *g3;
  auto bumped = [&] {
    auto g = LexicalGeneration(db_.get());
    bool more = g.ok() && *g > last;
    if (g.ok()) last = *g;
    return more;
  };
  ASSERT_TRUE(UpsertAsset(db_.get(), a).ok());
  EXPECT_TRUE(bumped());
  ASSERT_TRUE(MarkAssetDeleted(db_.get(), a.id, "now").ok());
  EXPECT_TRUE(bumped());
  ASSERT_TRUE(db_->Exec("DELETE FROM collections").ok());  // cascades to the asset
  EXPECT_TRUE(bumped());
}

}  // namespace
}  // namespace qimg
