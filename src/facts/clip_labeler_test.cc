// Plumbing of the zero-shot labeler with the tiny random-weight CLIP (its numbers mean nothing):
// label cache written and reused, threshold and top-k respected, captions well formed.
#include "facts/clip_labeler.h"

#include <gtest/gtest.h>

#include "base/fs.h"
#include "media/corpus_test_util.h"
#include "nn/clip_pipeline.h"

namespace qimg::facts {
namespace {

const std::string kTinyClip = std::string(QIMG_TESTDATA_DIR) + "/clip-tiny/model";

class ClipLabelerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto p = nn::ClipPipeline::Load(kTinyClip);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    pipeline_ = p->release();
  }
  static void TearDownTestSuite() { delete pipeline_; }
  static nn::ClipPipeline* pipeline_;
};
nn::ClipPipeline* ClipLabelerTest::pipeline_ = nullptr;

TEST_F(ClipLabelerTest, CacheIsWrittenThenReused) {
  LabelerOptions o;
  o.cache_dir = testing::MakeTempDir("qimg-labels");
  auto first = ClipLabeler::Create(pipeline_, ModelKey(kTinyClip), o);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE((*first)->loaded_from_cache());
  ASSERT_TRUE(StatPath((*first)->cache_path()).is_regular);
  auto second = ClipLabeler::Create(pipeline_, ModelKey(kTinyClip), o);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE((*second)->loaded_from_cache());
  EXPECT_EQ((*second)->cache_path(), (*first)->cache_path());
  // Another model key is another cache file.
  auto other = ClipLabeler::Create(pipeline_, ModelKey(kTinyClip) + "x", o);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE((*other)->loaded_from_cache());
  EXPECT_NE((*other)->cache_path(), (*first)->cache_path());
  // A damaged cache is re-encoded, not trusted.
  ASSERT_TRUE(WriteFileAtomic((*first)->cache_path(), "garbage").ok());
  auto again = ClipLabeler::Create(pipeline_, ModelKey(kTinyClip), o);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE((*again)->loaded_from_cache());
}

TEST_F(ClipLabelerTest, ThresholdAndTopK) {
  LabelerOptions o;
  o.threshold = 0;
  o.top_k = 3;
  auto l = ClipLabeler::Create(pipeline_, ModelKey(kTinyClip), o);
  ASSERT_TRUE(l.ok());
  std::vector<float> img(static_cast<size_t>((*l)->dim()), 0.0f);
  img[0] = 1;
  auto ranked = (*l)->Rank(img.data());
  ASSERT_EQ(ranked.size(), Vocabulary().size());
  double sum = 0;
  for (size_t i = 0; i < ranked.size(); ++i) {
    sum += ranked[i].probability;
    if (i) {
      EXPECT_GE(ranked[i - 1].probability, ranked[i].probability);
    }
  }
  EXPECT_NEAR(sum, 1.0, 1e-6);
  auto tags = (*l)->Tags(ranked);
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(*tags[0].value_text, Vocabulary()[ranked[0].index].label);
  EXPECT_NEAR(*tags[0].confidence, ranked[0].probability, 1e-6);

  LabelerOptions strict = o;
  strict.threshold = ranked[1].probability + 1e-12;  // only the best one passes
  strict.top_k = 8;
  auto s = ClipLabeler::Create(pipeline_, ModelKey(kTinyClip), strict);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->Tags(ranked).size(), ranked[0].probability >= strict.threshold ? 1u : 0u);
}

TEST_F(ClipLabelerTest, CaptionsAreSentencesFromTheCandidates) {
  auto l = ClipLabeler::Create(pipeline_, ModelKey(kTinyClip), LabelerOptions{});
  ASSERT_TRUE(l.ok());
  nn::Embeddings img;
  img.rows = 2;
  img.dim = (*l)->dim();
  img.values.assign(static_cast<size_t>(img.rows * img.dim), 0.0f);
  img.values[0] = 1;
  img.values[static_cast<size_t>(img.dim) + 1] = 1;
  std::vector<std::vector<RankedLabel>> rankings = {(*l)->Rank(img.row(0)), (*l)->Rank(img.row(1))};
  auto caps = (*l)->Captions(img, rankings);
  ASSERT_TRUE(caps.ok()) << caps.status().ToString();
  ASSERT_EQ(caps->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const auto cands = (*l)->CaptionCandidates(rankings[i]);
    EXPECT_NE(std::find(cands.begin(), cands.end(), *(*caps)[i].value_text), cands.end());
    EXPECT_EQ((*caps)[i].value_text->back(), '.');
    EXPECT_GT(*(*caps)[i].confidence, 0.0);
  }
}

}  // namespace
}  // namespace qimg::facts
