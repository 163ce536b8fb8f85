#include "app/lexical_mirror.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "app/engine.h"
#include "store/lexical_store.h"

namespace qimg {
namespace {

using std::chrono::milliseconds;

class LexicalMirrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("lexical_mirror_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    config_ = DefaultConfig();
    config_.db_path = (dir_ / "qimg.sqlite3").string();
    config_.vector_dir = (dir_ / "vectors").string();
    auto plain = Engine::Open(config_);
    ASSERT_TRUE(plain.ok()) << plain.status().message();
    plain_ = std::move(plain).value();
    auto coll = plain_->AddCollection(std::string(QIMG_TESTDATA_DIR) + "/corpus/photos", "photos",
                                      kDefaultMask);
    ASSERT_TRUE(coll.ok()) << coll.status().message();
    UpdateOptions o;
    o.threads = 2;
    ASSERT_TRUE(plain_->Update(o).ok());
    ASSERT_TRUE(plain_->AddContext("qimg://photos", "Holiday photos from the red car trip").ok());
    auto served = Engine::Open(config_);
    ASSERT_TRUE(served.ok());
    served_ = std::move(served).value();
    source_ = std::make_shared<LexicalMirrorSource>(config_.db_path);
    served_->ShareLexicalMirror(source_);
  }
  void TearDown() override {
    served_.reset();
    source_.reset();
    plain_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Asks until the source holds a copy of the current generation (builds run in the background).
  std::shared_ptr<const FtsMirror> WaitForCurrent() {
    for (int i = 0; i < 200; ++i) {
      if (auto m = source_->Current(served_->db())) return m;
      source_->WaitIdle(milliseconds(5000));
      usleep(20 * 1000);
    }
    return nullptr;
  }

  std::filesystem::path dir_;
  Config config_;
  std::unique_ptr<Engine> plain_, served_;
  std::shared_ptr<LexicalMirrorSource> source_;
};

void ExpectSameResults(const std::vector<SearchResult>& a, const std::vector<SearchResult>& b,
                       const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].asset.id, b[i].asset.id) << what << " #" << i;
    EXPECT_EQ(a[i].scores.overall, b[i].scores.overall) << what << " #" << i;
    EXPECT_EQ(a[i].scores.lexical_total, b[i].scores.lexical_total) << what << " #" << i;
  }
}

TEST_F(LexicalMirrorTest, ServedEnginesGiveTheSameResultsWithTheCopy) {
  ASSERT_NE(WaitForCurrent(), nullptr);
  for (const char* q : {"photo", "red car", "holiday trip", "png", "photo 01", "nothing here"}) {
    LexicalSearchOptions so;
    so.num = 20;
    auto want = plain_->Search(q, so);
    auto got = served_->Search(q, so);
    ASSERT_EQ(want.ok(), got.ok()) << q;
    if (want.ok()) ExpectSameResults(*want, *got, std::string("search ") + q);
    QueryOptions qo;
    qo.num = 20;
    auto qwant = plain_->Query(q, qo);
    auto qgot = served_->Query(q, qo);
    ASSERT_EQ(qwant.ok(), qgot.ok()) << q;
    if (qwant.ok()) ExpectSameResults(*qwant, *qgot, std::string("query ") + q);
  }
}

TEST_F(LexicalMirrorTest, AWriteMakesTheCopyStaleUntilRebuilt) {
  auto first = WaitForCurrent();
  ASSERT_NE(first, nullptr);
  // Another connection (another process, in real use) writes: the copy is no longer current.
  ASSERT_TRUE(plain_->AddContext("qimg://photos", "Zanzibar lighthouse").ok());
  auto generation = LexicalGeneration(plain_->db());
  ASSERT_TRUE(generation.ok());
  EXPECT_GT(*generation, first->generation());
  auto fresh = WaitForCurrent();
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(fresh->generation(), *generation);
  // The new word is found through the copy, as through SQLite.
  LexicalSearchOptions so;
  auto got = served_->Search("zanzibar", so);
  auto want = plain_->Search("zanzibar", so);
  ASSERT_TRUE(got.ok() && want.ok());
  EXPECT_FALSE(got->empty());
  ExpectSameResults(*want, *got, "zanzibar");
  // The old copy stays valid for whoever still holds it.
  EXPECT_GT(first->documents(), 0u);
}

TEST_F(LexicalMirrorTest, ShutdownDuringABuildReturns) {
  auto source = std::make_shared<LexicalMirrorSource>(config_.db_path);
  EXPECT_EQ(source->Current(served_->db()), nullptr);  // starts a build
  source.reset();                                       // interrupts or waits; never hangs
  SUCCEED();
}

TEST_F(LexicalMirrorTest, AnUnreadableDatabaseOnlyMeansNoCopy) {
  auto source = std::make_shared<LexicalMirrorSource>((dir_ / "missing" / "x.sqlite3").string());
  EXPECT_EQ(source->Current(served_->db()), nullptr);
  EXPECT_TRUE(source->WaitIdle(milliseconds(10000)));
  EXPECT_EQ(source->Current(served_->db()), nullptr);
}

}  // namespace
}  // namespace qimg
