// The CLIP text tower's prefix key/value cache (ClipModel::CacheTextPrefixes) against the plain
// padded forward on the golden tiny CLIP: cached rows, uncached rows, ragged lengths and rows
// that are exactly a prefix + EOS, mixed in one batch, must give the uncached embeddings within
// 1e-5; the cache must respect its memory budget and concurrent use.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "nn/clip_model.h"
#include "nn/clip_pipeline.h"
#include "nn/test_util.h"

namespace qimg::nn {
namespace {

using testing::MaxAbsDiff;
using testing::ReadGolden;

constexpr int32_t kBos = 49406;
constexpr int32_t kEos = 49407;
constexpr int kLen = 77;
constexpr float kTol = 1e-5f;

std::unique_ptr<ClipModel> LoadTiny(const ClipLoadOptions& options = {}) {
  return testing::LoadTinyModel<ClipModel>(testing::ClipTinyModelDir(), options);
}

// BOS + content + EOS, padded with EOS to the tokenizer's 77 ids (CLIP pads with EOS).
std::vector<int32_t> Row(const std::vector<int32_t>& content, bool bos = true) {
  std::vector<int32_t> ids;
  if (bos) ids.push_back(kBos);
  ids.insert(ids.end(), content.begin(), content.end());
  ids.push_back(kEos);
  ids.resize(kLen, kEos);
  return ids;
}

std::vector<int32_t> Cat(std::vector<int32_t> a, const std::vector<int32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Largest |cached - plain| over all rows; also printed, since the margin under kTol matters.
float MaxDiff(const Embeddings& a, const Embeddings& b) {
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.dim, b.dim);
  float worst = 0.0f;
  for (int r = 0; r < std::min(a.rows, b.rows); ++r) {
    worst = std::max(worst, MaxAbsDiff(a.row(r), b.row(r), static_cast<size_t>(a.dim)));
  }
  return worst;
}

// "a photo of" etc. as raw ids (any ids work: prefixes are matched by id, not by text).
const std::vector<int32_t> kPhotoOf = {320, 1125, 539};
const std::vector<int32_t> kPhotoOfA = {320, 1125, 539, 320};
const std::vector<int32_t> kPictureOf = {320, 1674, 539};

std::vector<std::vector<int32_t>> MixedBatch() {
  return {
      Row(Cat(kPhotoOf, {2368, 269})),   // "a photo of cat ." -> prefix kPhotoOf
      Row(Cat(kPhotoOfA, {2368, 269})),  // longest match: kPhotoOfA
      Row({2368}),                       // only BOS cached
      Row(kPhotoOf),                     // exactly prefix + EOS
      Row(Cat(kPictureOf, {1237, 2368, 530, 518, 3360, 269, 1237, 1929})),  // longer, ragged
      Row({1674, 539}, /*bos=*/false),  // starts with no cached prefix
      Row(Cat(kPhotoOf, {320, 1125, 539, 320, 1125, 539, 2368, 269})),
  };
}

TEST(ClipPrefixCacheTest, MixedBatchMatchesUncached) {
  auto plain = LoadTiny();
  auto cached = LoadTiny();
  ASSERT_NE(plain, nullptr);
  ASSERT_NE(cached, nullptr);
  ASSERT_TRUE(
      cached
          ->CacheTextPrefixes(
              {{kBos}, Cat({kBos}, kPhotoOf), Cat({kBos}, kPhotoOfA), Cat({kBos}, kPictureOf)})
          .ok());
  EXPECT_EQ(cached->CachedTextPrefixCount(), 4);
  const auto ids = MixedBatch();
  // Padded: 7 rows to the longest's 13 positions. Cached: each row after its longest prefix
  // (3 + 3 + 2 + 1 + 9 + 3 + 8; the last row takes "a photo of a", the 6th none).
  EXPECT_EQ(plain->TextPositionsToRun(ids).value(), 7 * 13);
  EXPECT_EQ(cached->TextPositionsToRun(ids).value(), 29);
  auto want = plain->EncodeTokenIds(ids);
  auto got = cached->EncodeTokenIds(ids);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  const float diff = MaxDiff(*got, *want);
  std::printf("max |cached - uncached| over the mixed batch: %.3g\n", diff);
  EXPECT_LE(diff, kTol);
  // Each row alone takes the same path as in the batch.
  for (size_t i = 0; i < ids.size(); ++i) {
    auto one = cached->EncodeTokenIds({ids[i]});
    ASSERT_TRUE(one.ok());
    EXPECT_LE(MaxAbsDiff(one->row(0), want->row(static_cast<int>(i)), 32), kTol) << "row " << i;
  }
}

TEST(ClipPrefixCacheTest, WithoutBosPrefixRowsRunWhole) {
  // No [BOS] entry: rows that match nothing go through the ragged path from position 0, and a
  // truncated row without EOS (pooled at position 0, where the largest id BOS sits) too.
  auto plain = LoadTiny();
  auto cached = LoadTiny();
  ASSERT_NE(plain, nullptr);
  ASSERT_NE(cached, nullptr);
  ASSERT_TRUE(cached->CacheTextPrefixes({Cat({kBos}, kPhotoOf)}).ok());
  std::vector<int32_t> truncated(kLen, 320);
  truncated[0] = kBos;
  const std::vector<std::vector<int32_t>> ids = {Row({2368}), Row(Cat(kPhotoOf, {2368})), truncated,
                                                 Row({})};
  auto want = plain->EncodeTokenIds(ids);
  auto got = cached->EncodeTokenIds(ids);
  ASSERT_TRUE(want.ok());
  ASSERT_TRUE(got.ok());
  EXPECT_LE(MaxDiff(*got, *want), kTol);
}

TEST(ClipPrefixCacheTest, GoldenTextsWithTemplatePrefixes) {
  // The 79 golden texts (empty, unicode, truncated at 77 ids...) with the real template
  // prefixes tokenized by the pipeline, against the uncached embeddings.
  auto plain = ClipPipeline::Load(testing::ClipTinyModelDir());
  auto cached = ClipPipeline::Load(testing::ClipTinyModelDir());
  ASSERT_TRUE(plain.ok());
  ASSERT_TRUE(cached.ok());
  ASSERT_TRUE((*cached)->CacheTextPrefixes({"", "a photo of", "a picture of", "an image of"}).ok());
  EXPECT_EQ((*cached)->model().CachedTextPrefixCount(), 4);
  // Caching again is a no-op.
  ASSERT_TRUE((*cached)->CacheTextPrefixes({"a photo of", ""}).ok());
  EXPECT_EQ((*cached)->model().CachedTextPrefixCount(), 4);
  const auto golden = ReadGolden("text_embeddings.json");
  std::vector<std::string> texts;
  for (const auto& c : golden["cases"]) {
    const std::string t = c["text"].get<std::string>();
    texts.push_back(t);
    texts.push_back("a photo of " + t + ".");
    texts.push_back("an image of " + t);
  }
  ASSERT_EQ(texts.size(), 3 * 79u);
  auto want = (*plain)->EncodeTexts(texts);
  auto got = (*cached)->EncodeTexts(texts);
  ASSERT_TRUE(want.ok());
  ASSERT_TRUE(got.ok());
  const float diff = MaxDiff(*got, *want);
  std::printf("max |cached - uncached| over %zu golden prompts: %.3g\n", texts.size(), diff);
  EXPECT_LE(diff, kTol);
}

TEST(ClipPrefixCacheTest, Int8MatchesUncachedInt8) {
  // Activations are quantized per row, so packing rows differently keeps each row's GEMMs
  // exact; only attention's summation order differs, and a ~1e-7 difference can flip one u8
  // rounding, which the following layers carry on (on the 12-layer B/32 shape: cosine 0.9997
  // to the uncached int8 embeddings, bench/prompt_bench). A wrong prefix would be off by ~0.1.
  ClipLoadOptions options;
  options.int8 = true;
  auto plain = LoadTiny(options);
  auto cached = LoadTiny(options);
  ASSERT_NE(plain, nullptr);
  ASSERT_NE(cached, nullptr);
  ASSERT_TRUE(
      cached
          ->CacheTextPrefixes(
              {{kBos}, Cat({kBos}, kPhotoOf), Cat({kBos}, kPhotoOfA), Cat({kBos}, kPictureOf)})
          .ok());
  const auto ids = MixedBatch();
  auto want = plain->EncodeTokenIds(ids);
  auto got = cached->EncodeTokenIds(ids);
  ASSERT_TRUE(want.ok());
  ASSERT_TRUE(got.ok());
  const float diff = MaxDiff(*got, *want);
  std::printf("int8: max |cached - uncached| over the mixed batch: %.3g\n", diff);
  EXPECT_LE(diff, 2e-3f);  // 4.8e-7 measured here
}

TEST(ClipPrefixCacheTest, BudgetBoundsTheCache) {
  // The tiny text tower keeps 2 layers x 2 x 64 floats = 1 KiB per prefix position.
  ClipLoadOptions options;
  options.text_prefix_cache_bytes = 5 * 1024;
  auto model = LoadTiny(options);
  ASSERT_NE(model, nullptr);
  ASSERT_TRUE(model->CacheTextPrefixes({Cat({kBos}, kPhotoOfA), Cat({kBos}, kPictureOf)}).ok());
  EXPECT_EQ(model->CachedTextPrefixCount(), 1);  // 5 positions fit, 4 more do not
  ASSERT_TRUE(model->CacheTextPrefixes({{kBos}}).ok());
  EXPECT_EQ(model->CachedTextPrefixCount(), 1);
  // Rows starting with a prefix left out still encode exactly.
  auto plain = LoadTiny();
  ASSERT_NE(plain, nullptr);
  const auto ids = MixedBatch();
  auto want = plain->EncodeTokenIds(ids);
  auto got = model->EncodeTokenIds(ids);
  ASSERT_TRUE(want.ok());
  ASSERT_TRUE(got.ok());
  EXPECT_LE(MaxDiff(*got, *want), kTol);
}

TEST(ClipPrefixCacheTest, RejectsBadPrefixes) {
  auto model = LoadTiny();
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->CacheTextPrefixes({{}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(model->CacheTextPrefixes({std::vector<int32_t>(kLen, 320)}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(model->CacheTextPrefixes({{kBos, 49408}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(model->CachedTextPrefixCount(), 0);
}

TEST(ClipPrefixCacheTest, ConcurrentFillAndEncode) {
  // Several engines sharing one loaded model: fills race with encodes; every encode must see a
  // consistent set and give the uncached result.
  auto plain = LoadTiny();
  auto shared = LoadTiny();
  ASSERT_NE(plain, nullptr);
  ASSERT_NE(shared, nullptr);
  const auto ids = MixedBatch();
  auto want = plain->EncodeTokenIds(ids);
  ASSERT_TRUE(want.ok());
  const std::vector<std::vector<std::vector<int32_t>>> fills = {
      {{kBos}, Cat({kBos}, kPhotoOf)},
      {Cat({kBos}, kPhotoOfA), {kBos}},
      {Cat({kBos}, kPictureOf)},
  };
  std::vector<float> diffs(fills.size(), 1.0f);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < fills.size(); ++t) {
    threads.emplace_back([&, t] {
      float worst = 0.0f;
      for (int i = 0; i < 3; ++i) {
        if (!shared->CacheTextPrefixes(fills[t]).ok()) return;
        auto got = shared->EncodeTokenIds(ids);
        if (!got.ok()) return;
        worst = std::max(worst, MaxDiff(*got, *want));
      }
      diffs[t] = worst;
    });
  }
  for (auto& th : threads) th.join();
  for (float d : diffs) EXPECT_LE(d, kTol);
  EXPECT_EQ(shared->CachedTextPrefixCount(), 4);
}

}  // namespace
}  // namespace qimg::nn
