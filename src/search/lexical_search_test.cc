#include "search/lexical_search.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "store/asset_store.h"
#include "store/collection_store.h"
#include "store/context_store.h"
#include "store/fact_store.h"
#include "store/lexical_store.h"
#include "store/schema.h"

namespace qimg {
namespace {

using Tokens = std::vector<std::string>;

class LexicalSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/lexical_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".sqlite3";
    ::unlink(path_.c_str());
    auto db = Database::Open(path_);
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(*db);
    ASSERT_TRUE(MigrateDatabase(db_.get()).ok());
    auto c = InsertCollection(db_.get(), "photos", "/lib/photos", "**/*");
    ASSERT_TRUE(c.ok());
    photos_ = c->id;
    auto o = InsertCollection(db_.get(), "other", "/lib/other", "**/*");
    ASSERT_TRUE(o.ok());
    other_ = o->id;
  }
  void TearDown() override {
    db_.reset();
    ::unlink(path_.c_str());
  }

  std::string Add(int64_t collection, const std::string& rel, std::optional<int64_t> width = 100,
                  std::optional<int64_t> height = 100,
                  std::string captured = "2024-01-15T12:00:00") {
    AssetRow r;
    r.id = "#a" + std::to_string(++next_);
    r.collection_id = collection;
    r.rel_path = rel;
    r.abs_path = "/lib/" + std::to_string(collection) + "/" + rel;
    r.size = 1;
    r.mtime = 1;
    r.width = width;
    r.height = height;
    r.created_at = r.updated_at = "2024-01-01T00:00:00+00:00";
    r.captured_at = captured;
    EXPECT_TRUE(UpsertAsset(db_.get(), r).ok());
    ids_.push_back(r.id);
    return r.id;
  }
  void Fact(const std::string& id, const std::string& type, const std::string& text) {
    FactRow f;
    f.asset_id = id;
    f.fact_type = type;
    f.value_text = text;
    f.source = "test@1";
    ASSERT_TRUE(InsertFact(db_.get(), f).ok());
  }
  void Context(const std::string& vpath, const std::string& text) {
    ASSERT_TRUE(UpsertContext(db_.get(), vpath, text).ok());
  }
  void Index() {
    ASSERT_TRUE(MaterializeContexts(db_.get(), ids_).ok());
    ASSERT_TRUE(RefreshLexical(db_.get(), ids_).ok());
  }
  std::vector<std::string> Ids(const std::string& q, LexicalSearchOptions o = {}) {
    auto r = LexicalSearch(db_.get(), q, o);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status().message();
    std::vector<std::string> out;
    if (r.ok())
      for (const auto& s : *r) out.push_back(s.id);
    return out;
  }
  // Unrelated documents so common test words get a real (positive) IDF.
  void AddFiller(int n) {
    for (int i = 0; i < n; ++i) Add(photos_, "filler/f" + std::to_string(i) + ".jpg");
  }

  std::string path_;
  std::unique_ptr<Database> db_;
  int64_t photos_ = 0, other_ = 0;
  int next_ = 0;
  std::vector<std::string> ids_;
};

TEST_F(LexicalSearchTest, TokensFollowTheIndexTokenizer) {
  auto t = [&](const std::string& s) { return *IndexTokens(db_.get(), s); };
  EXPECT_EQ(t("Café-au-lait!"), (Tokens{"cafe", "au", "lait"}));
  EXPECT_EQ(t("CAFÉ café cafe"), (Tokens{"cafe", "cafe", "cafe"}));
  EXPECT_EQ(t("white-kitchen"), (Tokens{"white", "kitchen"}));
  EXPECT_EQ(t("NEAR(a b) AND col:term* \"x\" -y #03d12b"),
            (Tokens{"near", "a", "b", "and", "col", "term", "x", "y", "03d12b"}));
  EXPECT_EQ(t("photos/2024/IMG_0042.JPG"), (Tokens{"photos", "2024", "img", "0042", "jpg"}));
  // unicode61's own classes: BMP symbols separate, code points above the BMP are word
  // characters, Greek tonos is not a removable diacritic. What matters is that queries and
  // index agree, which they do because both use this tokenizer.
  EXPECT_EQ(t("☕ coffee 🙂"), (Tokens{"coffee", "🙂"}));
  EXPECT_EQ(t("Ζίμα Зима カメラ"), (Tokens{"ζίμα", "зима", "カメラ"}));
  EXPECT_TRUE(t("  ,.;:!?()[]{}*\"'-+/\\ ").empty());
  EXPECT_TRUE(t("").empty());
}

TEST_F(LexicalSearchTest, MatchExpressionQuotesEveryToken) {
  EXPECT_EQ(*TokenMatchExpression({"a", "or"}, true), "\"a\" \"or\"");
  EXPECT_EQ(*TokenMatchExpression({"a", "b"}, false), "\"a\" OR \"b\"");
  EXPECT_FALSE(TokenMatchExpression({}, true).ok());
}

TEST_F(LexicalSearchTest, NormalizationAndWeights) {
  EXPECT_DOUBLE_EQ(NormalizeBm25(0), 0);
  EXPECT_DOUBLE_EQ(NormalizeBm25(-10), 0.5);
  EXPECT_DOUBLE_EQ(NormalizeBm25(-30), 0.75);
  std::vector<LexicalHit> hits(3);
  hits[0].asset_id = "a";  // nothing
  hits[1].asset_id = "b";
  hits[1].bm25_context = -10;
  hits[2].asset_id = "c";
  hits[2].bm25_facts = -10;
  auto s = ScoreLexicalHits(hits, LexicalWeights{});
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].id, "b");
  EXPECT_DOUBLE_EQ(s[0].scores.overall, 0.6);
  EXPECT_DOUBLE_EQ(*s[0].scores.lexical_total, 0.6);
  EXPECT_DOUBLE_EQ(*s[0].scores.lexical_context, 0.5);
  EXPECT_DOUBLE_EQ(*s[0].scores.lexical_namefolder, 0);
  EXPECT_EQ(s[1].id, "c");
  EXPECT_DOUBLE_EQ(s[1].scores.overall, 0.5);
  EXPECT_EQ(s[2].id, "a");
  EXPECT_FALSE(s[0].scores.vector.has_value());
  // Equal totals keep the index order.
  std::vector<LexicalHit> ties(2);
  ties[0].asset_id = "x";
  ties[1].asset_id = "y";
  auto t = ScoreLexicalHits(ties, LexicalWeights{});
  EXPECT_EQ(t[0].id, "x");
}

TEST_F(LexicalSearchTest, EachChannelIsSearchedAndScoredApart) {
  AddFiller(8);
  std::string name = Add(photos_, "beach/IMG_0042.jpg");
  std::string ctx = Add(photos_, "2023/trip/a.jpg");
  std::string fct = Add(photos_, "misc/b.jpg");
  Context("qimg://photos/2023/trip", "Kyoto temple visit");
  Fact(fct, "caption", "a lighthouse at dusk");
  Index();
  auto r = LexicalSearch(db_.get(), "img_0042", {});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, name);
  EXPECT_GT(*(*r)[0].scores.lexical_namefolder, 0);
  EXPECT_EQ(*(*r)[0].scores.lexical_context, 0);
  EXPECT_EQ(Ids("beach"), (Tokens{name}));
  r = LexicalSearch(db_.get(), "kyoto", {});
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, ctx);
  EXPECT_GT(*(*r)[0].scores.lexical_context, 0);
  EXPECT_EQ(*(*r)[0].scores.lexical_facts, 0);
  r = LexicalSearch(db_.get(), "lighthouse", {});
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, fct);
  EXPECT_GT(*(*r)[0].scores.lexical_facts, 0);
  EXPECT_EQ(*(*r)[0].scores.lexical_namefolder, 0);
}

// SPEC §14 test_fts_split_scoring: the same word, same document length, one in a context, one
// in a fact: equal bm25, so the context's weight 1.2 puts it first.
TEST_F(LexicalSearchTest, ContextOutranksFactsAtEqualBm25) {
  AddFiller(8);
  std::string f = Add(photos_, "fct/y1.jpg");
  std::string c = Add(photos_, "ctx/x1.jpg");
  Context("qimg://photos/ctx", "sunset");
  Fact(f, "caption", "sunset");
  Index();
  auto r = LexicalSearch(db_.get(), "sunset", {});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].id, c);
  EXPECT_EQ((*r)[1].id, f);
  EXPECT_GT(*(*r)[0].scores.lexical_context, 0);
  EXPECT_DOUBLE_EQ(*(*r)[0].scores.lexical_context, *(*r)[1].scores.lexical_facts);
  EXPECT_NEAR((*r)[0].scores.overall / (*r)[1].scores.overall, 1.2, 1e-9);
}

TEST_F(LexicalSearchTest, AllWordsFirstThenAnyWordFills) {
  AddFiller(8);
  std::string red = Add(photos_, "a.jpg");
  std::string both = Add(photos_, "b.jpg");
  std::string car = Add(photos_, "c.jpg");
  // The partial matches repeat their word so their bm25 beats the full match's.
  Fact(red, "caption", "red red red red");
  Fact(both, "caption", "red car parked on a long street with trees and houses");
  Fact(car, "caption", "car car car car");
  Index();
  auto ids = Ids("red car");
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[0], both);
  LexicalSearchOptions one;
  one.num = 1;
  EXPECT_EQ(Ids("red car", one), (Tokens{both}));
  // Repeated words count once.
  EXPECT_EQ(Ids("red red car", one), (Tokens{both}));
  // min-score applies to the fill too.
  LexicalSearchOptions strict;
  strict.min_score = 10;
  EXPECT_TRUE(Ids("red car", strict).empty());
}

TEST_F(LexicalSearchTest, AccentsAndCaseAreFolded) {
  AddFiller(4);
  std::string id = Add(photos_, "x.jpg");
  Context("qimg://photos", "Café terrace");
  Index();
  LexicalSearchOptions all;
  all.all = true;
  for (const char* q : {"cafe", "Café", "CAFÉ", "CAFE", "cafè"}) {
    auto ids = Ids(q, all);
    EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << q;
  }
}

TEST_F(LexicalSearchTest, HostileQueriesAreWords) {
  AddFiller(3);
  std::string id = Add(photos_, "white-kitchen/it's.jpg");
  Index();
  for (const char* q : {"white-kitchen", "it's", "\"white", "kitchen*", "(kitchen", "kitchen)",
                        "NOT kitchen", "kitchen OR", "AND", "NEAR(white kitchen)",
                        "filename_col:kitchen", "#03d12b", "../../etc/passwd", "a'b\"c",
                        "kitchen^2", "{white kitchen}", "'; DROP TABLE assets; --", "☕",
                        "\xff\xfe", "x\0y"}) {
    auto r = LexicalSearch(db_.get(), q, {});
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << q;
    }
  }
  EXPECT_EQ(Ids("white-kitchen"), (Tokens{id}));
  EXPECT_EQ(Ids("filename_col:kitchen").size(), 1u);  // "filename", "col" fill in as OR words
  EXPECT_EQ(Ids("NOT kitchen"), (Tokens{id}));
}

TEST_F(LexicalSearchTest, QueriesWithoutWordsAreUsageErrors) {
  Add(photos_, "a.jpg");
  Index();
  auto empty = LexicalSearch(db_.get(), "   ", {});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.status().message(), "search needs a query");
  auto punct = LexicalSearch(db_.get(), "-- !! ??", {});
  ASSERT_FALSE(punct.ok());
  EXPECT_EQ(punct.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(punct.status().message().find("no words"), std::string::npos);
}

TEST_F(LexicalSearchTest, FiltersRestrictTheMatches) {
  std::string a = Add(photos_, "a_b/one.jpg", 4000, 3000, "2024-01-31T23:59:59");
  std::string b = Add(photos_, "axb/two.jpg", 640, 480, "2024-02-01T00:00:00");
  std::string c = Add(other_, "a_b/three.jpg", std::nullopt, std::nullopt, "2023-12-31T10:00:00");
  std::string gone = Add(photos_, "a_b/four.jpg");
  Context("qimg://photos", "zebra");
  Context("qimg://other", "zebra");
  Index();
  ASSERT_TRUE(MarkAssetDeleted(db_.get(), gone, "now").ok());
  auto with = [&](AssetFilter f) {
    LexicalSearchOptions o;
    o.filter = std::move(f);
    auto ids = Ids("zebra", o);
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  auto sorted = [](Tokens t) {
    std::sort(t.begin(), t.end());
    return t;
  };
  EXPECT_EQ(with({}), sorted({a, b, c}));  // never the deleted one
  AssetFilter f;
  f.collection = "other";
  EXPECT_EQ(with(f), (Tokens{c}));
  f = {};
  f.collection = "Other";  // case-sensitive
  EXPECT_TRUE(with(f).empty());
  f = {};
  f.path_prefix = "a_b/";  // '_' is a literal character
  EXPECT_EQ(with(f), sorted({a, c}));
  f.path_prefix = "A_B/";  // case-sensitive
  EXPECT_TRUE(with(f).empty());
  f = {};
  f.captured_from = "2024-01-31T00:00:00";
  f.captured_to = "2024-01-31T23:59:59";
  EXPECT_EQ(with(f), (Tokens{a}));
  f.captured_to.reset();
  EXPECT_EQ(with(f), sorted({a, b}));
  f = {};
  f.captured_to = "2023-12-31T23:59:59";
  EXPECT_EQ(with(f), (Tokens{c}));
  f = {};
  f.min_width = 641;
  EXPECT_EQ(with(f), (Tokens{a}));
  f = {};
  f.min_height = 480;
  EXPECT_EQ(with(f), sorted({a, b}));
  f.min_height = 1;  // null height counts as 0
  EXPECT_EQ(with(f), sorted({a, b}));
  auto allowed = FilteredAssetIds(db_.get(), AssetFilter{});
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(allowed->size(), 3u);
}

TEST_F(LexicalSearchTest, NumAndAllLimitTheList) {
  for (int i = 0; i < 25; ++i) Add(photos_, "zoo/" + std::to_string(i) + ".jpg");
  Index();
  EXPECT_EQ(Ids("zoo").size(), 10u);
  LexicalSearchOptions three;
  three.num = 3;
  EXPECT_EQ(Ids("zoo", three).size(), 3u);
  LexicalSearchOptions all;
  all.all = true;
  EXPECT_EQ(Ids("zoo", all).size(), 25u);
}

TEST_F(LexicalSearchTest, CacheRunsRepeatedSqlOnceWithTheSameResults) {
  Add(photos_, "red_car.jpg");
  Add(photos_, "red_bus.jpg");
  std::string blue = Add(photos_, "blue_car.jpg");
  Add(other_, "red_boat.jpg");
  Fact(blue, "tag", "red paint");
  // Rows without "red", so it stays under half the library and takes part in the fill.
  for (const char* name : {"green_tree.jpg", "dog_park.jpg", "sunny_lake.jpg", "cat_sofa.jpg"})
    Add(photos_, name);
  Index();
  LexicalSearchOptions plain;
  plain.weights.context = 2.0;
  LexicalSearchOptions other_weights;
  other_weights.weights.facts = 3.0;
  LexicalSearchOptions filtered;
  filtered.filter.collection = "photos";
  LexicalQueryCache cache;
  // The expansions hold words the library lacks, so each falls back to the same "red" fill.
  for (const char* q : {"red car", "red convertible", "red sedan", "red", "red convertible",
                        "zebra red"}) {
    for (const LexicalSearchOptions* base : {&plain, &other_weights, &filtered}) {
      LexicalSearchOptions cached = *base;
      cached.cache = &cache;
      auto want = LexicalSearch(db_.get(), q, *base);
      auto got = LexicalSearch(db_.get(), q, cached);
      ASSERT_TRUE(want.ok() && got.ok()) << q;
      ASSERT_EQ(got->size(), want->size()) << q;
      ASSERT_FALSE(got->empty()) << q;
      for (size_t i = 0; i < got->size(); ++i) {
        EXPECT_EQ((*got)[i].id, (*want)[i].id) << q << " #" << i;
        EXPECT_EQ((*got)[i].scores.overall, (*want)[i].scores.overall) << q << " #" << i;
        EXPECT_EQ((*got)[i].scores.lexical_facts, (*want)[i].scores.lexical_facts) << q;
      }
    }
  }
  // The filter is part of the key: the collection filter never sees the other collection's row.
  LexicalSearchOptions f = filtered;
  f.cache = &cache;
  EXPECT_EQ(Ids("red", f).size(), 3u);
  EXPECT_EQ(Ids("red", LexicalSearchOptions{.cache = &cache}).size(), 4u);
  EXPECT_GT(cache.queries_reused(), cache.queries_run());
}

TEST_F(LexicalSearchTest, UnfilteredRankingMatchesTheJoinedOneWithTiesAndDeletedRows) {
  // Equal documents tie on bm25; every third is soft-deleted, so the unfiltered path has to
  // skip rows and, for larger limits, rank a longer prefix.
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) ids.push_back(Add(photos_, "zebra/" + std::to_string(i) + ".jpg"));
  Add(photos_, "zebra/zebra_zebra.jpg");  // a better match first
  Index();
  for (size_t i = 0; i < ids.size(); i += 3)
    ASSERT_TRUE(MarkAssetDeleted(db_.get(), ids[i], "now").ok());
  AssetFilter same;  // passes every row: null widths count as 0, but not IsEmpty()
  same.min_width = 0;
  ASSERT_FALSE(same.IsEmpty());
  auto mirror = FtsMirror::Load(db_.get());
  ASSERT_TRUE(mirror.ok()) << mirror.status().message();
  const std::vector<std::string> zebra = {"zebra"};
  const MirroredMatch mirrored{mirror->get(), &zebra, true};
  for (int limit : {1, 2, 5, 8, 20, 21, 100}) {
    auto fast = QueryLexicalIndex(db_.get(), "\"zebra\"", AssetFilter{}, limit);
    auto joined = QueryLexicalIndex(db_.get(), "\"zebra\"", same, limit);
    auto memory = QueryLexicalIndex(db_.get(), "\"zebra\"", AssetFilter{}, limit, &mirrored);
    ASSERT_TRUE(fast.ok() && joined.ok() && memory.ok());
    ASSERT_EQ(memory->size(), joined->size()) << limit;
    for (size_t i = 0; i < memory->size(); ++i) {
      EXPECT_EQ((*memory)[i].rowid, (*joined)[i].rowid) << limit << " #" << i;
      EXPECT_EQ((*memory)[i].asset_id, (*joined)[i].asset_id);
      EXPECT_EQ((*memory)[i].bm25_facts, (*joined)[i].bm25_facts);
      EXPECT_EQ((*memory)[i].bm25_namefolder, (*joined)[i].bm25_namefolder);
    }
    ASSERT_EQ(fast->size(), joined->size()) << limit;
    EXPECT_EQ(fast->size(), static_cast<size_t>(std::min(limit, 21)));
    for (size_t i = 0; i < fast->size(); ++i) {
      EXPECT_EQ((*fast)[i].rowid, (*joined)[i].rowid) << limit << " #" << i;
      EXPECT_EQ((*fast)[i].asset_id, (*joined)[i].asset_id);
      EXPECT_EQ((*fast)[i].bm25_namefolder, (*joined)[i].bm25_namefolder);
      EXPECT_EQ((*fast)[i].bm25_context, (*joined)[i].bm25_context);
      EXPECT_EQ((*fast)[i].bm25_facts, (*joined)[i].bm25_facts);
    }
  }
}

TEST_F(LexicalSearchTest, InMemoryCopyGivesTheSameResultsAsSqlite) {
  // A library with contexts, facts, shared words, ties and soft-deleted rows.
  Context("qimg://photos/kyoto", "Trip to Kyoto with the red car");
  const char* subjects[] = {"cat", "car", "temple", "tree", "red car", "old temple"};
  std::vector<std::string> ids;
  for (int i = 0; i < 60; ++i) {
    const std::string folder = i % 3 == 0 ? "kyoto" : i % 3 == 1 ? "paris" : "home";
    ids.push_back(Add(i % 5 == 0 ? other_ : photos_,
                      folder + "/IMG_" + std::to_string(i % 7) + "_" + std::to_string(i) + ".jpg"));
    Fact(ids.back(), "tag", subjects[i % 6]);
    if (i % 4 == 0) Fact(ids.back(), "caption", std::string("a ") + subjects[(i + 1) % 6] + " in the sun");
  }
  Index();
  for (size_t i = 0; i < ids.size(); i += 9) ASSERT_TRUE(MarkAssetDeleted(db_.get(), ids[i], "now").ok());
  ASSERT_TRUE(RefreshLexical(db_.get(), ids).ok());
  auto mirror = FtsMirror::Load(db_.get());
  ASSERT_TRUE(mirror.ok()) << mirror.status().message();
  auto direct = (*mirror)->Rank({"red", "car"}, false, 5, true);  // ranks itself, no fallback
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(direct->size(), 5u);
  // The statistics the fill reads come from the copy too.
  const std::vector<std::string> words = {"red", "car", "kyoto", "jpg", "zebra", "img"};
  auto counts = TokenDocumentCounts(db_.get(), words);
  ASSERT_TRUE(counts.ok());
  for (size_t i = 0; i < words.size(); ++i)
    EXPECT_EQ((*mirror)->DocumentCount(words[i]), (*counts)[i]) << words[i];
  EXPECT_EQ((*mirror)->AssetRowidBound(), *IndexedDocumentBound(db_.get()));
  LexicalQueryCache cache;
  for (const char* q : {"red car", "kyoto temple", "cat", "img 3", "red", "sun old tree", "zebra",
                        "zebra car", "paris", "jpg"}) {
    for (bool all : {false, true}) {
      LexicalSearchOptions sql;
      sql.all = all;
      sql.num = 5;
      LexicalSearchOptions memory = sql;
      memory.mirror = mirror->get();
      LexicalSearchOptions cached = memory;
      cached.cache = &cache;
      auto want = LexicalSearch(db_.get(), q, sql);
      ASSERT_TRUE(want.ok()) << q;
      for (const LexicalSearchOptions* o : {&memory, &cached}) {
        auto got = LexicalSearch(db_.get(), q, *o);
        ASSERT_TRUE(got.ok()) << q;
        ASSERT_EQ(got->size(), want->size()) << q;
        for (size_t i = 0; i < got->size(); ++i) {
          EXPECT_EQ((*got)[i].id, (*want)[i].id) << q << " #" << i;
          EXPECT_EQ((*got)[i].scores.overall, (*want)[i].scores.overall) << q << " #" << i;
          EXPECT_EQ((*got)[i].scores.lexical_namefolder, (*want)[i].scores.lexical_namefolder);
          EXPECT_EQ((*got)[i].scores.lexical_context, (*want)[i].scores.lexical_context);
          EXPECT_EQ((*got)[i].scores.lexical_facts, (*want)[i].scores.lexical_facts);
        }
      }
    }
  }
  // A filter is evaluated in SQL: the copy changes nothing there either.
  LexicalSearchOptions filtered;
  filtered.filter.collection = "other";
  LexicalSearchOptions filtered_memory = filtered;
  filtered_memory.mirror = mirror->get();
  EXPECT_EQ(Ids("car", filtered_memory), Ids("car", filtered));
  EXPECT_FALSE(Ids("car", filtered).empty());
}

}  // namespace
}  // namespace qimg
