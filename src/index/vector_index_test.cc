#include "index/vector_index.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "index/vector_label.h"

namespace qimg {
namespace {

namespace fs = std::filesystem;

std::vector<float> RandomUnit(size_t n, int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> v(n * static_cast<size_t>(dim));
  for (size_t i = 0; i < n; ++i) {
    float* r = v.data() + i * dim;
    double s = 0;
    for (int j = 0; j < dim; ++j) {
      r[j] = g(rng);
      s += r[j] * r[j];
    }
    for (int j = 0; j < dim; ++j) r[j] = static_cast<float>(r[j] / std::sqrt(s));
  }
  return v;
}

std::vector<uint64_t> Labels(size_t n) {
  std::vector<uint64_t> l(n);
  for (size_t i = 0; i < n; ++i) l[i] = *AssetIdToLabel("#" + std::to_string(10000000 + i));
  return l;
}

class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("qimg_index_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    path_ = (dir_ / "m.qvec").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  std::string path_;
};

TEST(VectorLabel, RoundTripKeepsDigitCount) {
  for (std::string id : {"#03d12b", "#0003d12b", "#ffffffff", "#0", "#abcdef0123"}) {
    auto l = AssetIdToLabel(id);
    ASSERT_TRUE(l) << id;
    EXPECT_EQ(LabelToAssetId(*l), id);
  }
  EXPECT_NE(*AssetIdToLabel("#abcdef"), *AssetIdToLabel("#00abcdef"));
  EXPECT_FALSE(AssetIdToLabel("abc"));
  EXPECT_FALSE(AssetIdToLabel("#xyz"));
  EXPECT_FALSE(AssetIdToLabel("#0123456789abcdef"));  // too long
}

TEST(HnswParamsTest, EfSearchGrowsWithTheGraphUnlessSet) {
  HnswParams automatic;
  EXPECT_EQ(EffectiveEfSearch(automatic, 20000), 128);
  EXPECT_EQ(EffectiveEfSearch(automatic, 199999), 128);
  EXPECT_EQ(EffectiveEfSearch(automatic, 200000), 256);
  EXPECT_EQ(EffectiveEfSearch(automatic, 1000000), 256);
  HnswParams fixed;
  fixed.ef_search = 64;
  EXPECT_EQ(EffectiveEfSearch(fixed, 1000000), 64);
}

TEST(ExactScan, TopKOrderAndTies) {
  TopK t(2);
  t.Offer(1, 0.5f);
  t.Offer(2, 0.9f);
  t.Offer(3, 0.5f);  // tie with 1: the earlier offer stays
  t.Offer(4, std::nanf(""));
  auto r = t.Take();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].label, 2u);
  EXPECT_EQ(r[1].label, 1u);
}

TEST_F(IndexTest, FileRoundTrip) {
  const int dim = 24;
  auto rows = RandomUnit(100, dim, 1);
  auto labels = Labels(100);
  VectorFileMeta m{"clip:d24", dim, 77, 0, 0};
  ASSERT_TRUE(WriteVectorFile(path_, m, labels.data(), rows.data(), 100).ok());
  auto f = VectorFile::Open(path_);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ((*f)->meta().model_id, "clip:d24");
  EXPECT_EQ((*f)->meta().dim, dim);
  EXPECT_EQ((*f)->meta().generation, 77);
  ASSERT_EQ((*f)->count(), 100u);
  EXPECT_EQ((*f)->labels()[42], labels[42]);
  EXPECT_EQ((*f)->rows()[42 * dim + 3], rows[42 * dim + 3]);
  EXPECT_EQ(reinterpret_cast<uintptr_t>((*f)->rows()) % 64, 0u);
  // Empty index.
  ASSERT_TRUE(WriteVectorFile(path_, m, nullptr, nullptr, 0).ok());
  auto e = VectorIndex::Open(path_);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->size(), 0u);
  auto hits = (*e)->Search(rows.data(), dim, 5, nullptr);
  ASSERT_TRUE(hits.ok());
  EXPECT_TRUE(hits->empty());
}

TEST_F(IndexTest, DamagedFilesAreCorruptNotCrashes) {
  const int dim = 16;
  auto rows = RandomUnit(50, dim, 2);
  auto labels = Labels(50);
  VectorFileMeta m{"m:d16", dim, 1, 0, 0};
  ASSERT_TRUE(WriteVectorFile(path_, m, labels.data(), rows.data(), 50).ok());
  std::string good;
  {
    std::ifstream in(path_, std::ios::binary);
    good.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto write = [&](const std::string& bytes) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << bytes;
  };
  // Every truncation, and a flipped byte in each header/label position.
  for (size_t len : {size_t{0}, size_t{7}, size_t{63}, size_t{64}, size_t{200}, good.size() - 1}) {
    write(good.substr(0, len));
    auto f = VectorFile::Open(path_);
    ASSERT_FALSE(f.ok()) << len;
    EXPECT_EQ(f.status().code(), StatusCode::kCorrupt) << len;
  }
  for (size_t pos = 0; pos < 64 + 8 * 50 + 8; pos += 3) {
    std::string bad = good;
    bad[pos] ^= 0x5a;
    write(bad);
    auto f = VectorFile::Open(path_);
    if (pos >= 60 && pos < 64) continue;  // reserved bytes are checksummed too, but allow it
    EXPECT_FALSE(f.ok()) << "byte " << pos;
  }
  EXPECT_EQ(VectorFile::Open((dir_ / "missing").string()).status().code(), StatusCode::kNotFound);
}

TEST_F(IndexTest, HnswRecallMatchesExact) {
  const int dim = 32;
  const size_t n = 6000;
  auto rows = RandomUnit(n, dim, 3);
  auto labels = Labels(n);
  VectorIndexOptions opt;
  opt.hnsw_threshold = 1000;
  auto ix = VectorIndex::Create(path_, {"m:d32", dim, 5, 0, 0}, labels.data(), rows.data(), n, opt);
  ASSERT_TRUE(ix.ok()) << ix.status().message();
  ASSERT_TRUE((*ix)->has_graph()) << (*ix)->graph_note();
  EXPECT_TRUE(fs::exists(HnswPathFor(path_)));
  auto queries = RandomUnit(50, dim, 4);
  double found = 0;
  for (int q = 0; q < 50; ++q) {
    const float* qv = queries.data() + q * dim;
    auto exact = ExactSearch(rows.data(), labels.data(), n, dim, qv, 10);
    auto approx = (*ix)->Search(qv, dim, 10, nullptr);
    ASSERT_TRUE(approx.ok());
    ASSERT_EQ(approx->size(), 10u);
    for (const auto& e : exact)
      for (const auto& a : *approx) found += a.label == e.label;
  }
  EXPECT_GE(found / 500.0, 0.95);
  // Reopened from disk: the graph loads after its checksum matches.
  auto again = VectorIndex::Open(path_, opt);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)->has_graph());
  // A damaged graph file is dropped: exact scan, same answers as exact.
  {
    std::fstream f(HnswPathFor(path_), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x7f');
  }
  auto damaged = VectorIndex::Open(path_, opt);
  ASSERT_TRUE(damaged.ok());
  EXPECT_FALSE((*damaged)->has_graph());
  EXPECT_NE((*damaged)->graph_note().find("does not match"), std::string::npos);
  auto exact = ExactSearch(rows.data(), labels.data(), n, dim, queries.data(), 10);
  auto r = (*damaged)->Search(queries.data(), dim, 10, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].label, exact[0].label);
}

TEST_F(IndexTest, FilteredSearchAndEmptyAllowedSet) {
  const int dim = 16;
  const size_t n = 3000;
  auto rows = RandomUnit(n, dim, 5);
  auto labels = Labels(n);
  for (size_t threshold : {size_t{100000}, size_t{500}}) {
    VectorIndexOptions opt;
    opt.hnsw_threshold = threshold;
    opt.exact_allowed_max = 50;
    auto ix = VectorIndex::Create(path_, {"m:d16", dim, 1, 0, 0}, labels.data(), rows.data(), n, opt);
    ASSERT_TRUE(ix.ok());
    std::unordered_set<uint64_t> none;
    auto r = (*ix)->Search(rows.data(), dim, 10, &none);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->empty());
    for (size_t allowed_n : {size_t{20}, size_t{300}, size_t{2000}}) {
      std::unordered_set<uint64_t> allowed;
      for (size_t i = 0; i < allowed_n; ++i) allowed.insert(labels[i * (n / allowed_n)]);
      const float* q = rows.data() + 7 * dim;
      auto hits = (*ix)->Search(q, dim, 10, &allowed);
      ASSERT_TRUE(hits.ok());
      EXPECT_EQ(hits->size(), 10u);
      for (const auto& h : *hits) EXPECT_TRUE(allowed.count(h.label));
      auto exact = ExactSearch(rows.data(), labels.data(), n, dim, q, 10,
                               [&](size_t i) { return allowed.count(labels[i]) > 0; });
      EXPECT_EQ((*hits)[0].label, exact[0].label) << allowed_n << " " << threshold;
    }
  }
}

TEST_F(IndexTest, ApplyAndPersistKeepSearchesExact) {
  const int dim = 8;
  for (size_t threshold : {size_t{100000}, size_t{100}}) {
    VectorIndexOptions opt;
    opt.hnsw_threshold = threshold;
    auto rows = RandomUnit(400, dim, 6);
    auto labels = Labels(400);
    auto ix = VectorIndex::Create(path_, {"m:d8", dim, 10, 0, 0}, labels.data(), rows.data(), 300, opt);
    ASSERT_TRUE(ix.ok());
    std::vector<VectorChange> ch;
    for (size_t i = 300; i < 400; ++i)
      ch.push_back({labels[i], std::vector<float>(rows.begin() + i * dim, rows.begin() + (i + 1) * dim)});
    ch.push_back({labels[0], {}});                                        // removed
    ch.push_back({labels[1], std::vector<float>(rows.begin() + 399 * dim, rows.end())});  // replaced
    ASSERT_TRUE((*ix)->Apply(ch, 11).ok());
    EXPECT_EQ((*ix)->generation(), 11);
    EXPECT_EQ((*ix)->size(), 399u);
    EXPECT_EQ((*ix)->Apply({{labels[2], {1.0f}}}, 12).code(), StatusCode::kInvalidArgument);
    for (int round = 0; round < 2; ++round) {
      auto r = (*ix)->Search(rows.data(), dim, 3, nullptr);  // query = old vector of labels[0]
      ASSERT_TRUE(r.ok());
      for (const auto& h : *r) EXPECT_NE(h.label, labels[0]);
      auto q = (*ix)->Search(rows.data() + 350 * dim, dim, 1, nullptr);
      ASSERT_TRUE(q.ok());
      EXPECT_EQ((*q)[0].label, labels[350]);
      auto t = (*ix)->Search(rows.data() + 399 * dim, dim, 2, nullptr);
      ASSERT_TRUE(t.ok());
      EXPECT_EQ(t->size(), 2u);
      EXPECT_NEAR((*t)[1].similarity, 1.0f, 1e-5);
      if (round == 0) {
        auto p = (*ix)->Persist();
        ASSERT_TRUE(p.ok()) << p.status().message();
        ix = std::move(p);
        EXPECT_EQ((*ix)->pending(), 0u);
        EXPECT_EQ((*ix)->generation(), 11);
        EXPECT_EQ((*ix)->size(), 399u);
        EXPECT_EQ((*ix)->has_graph(), threshold == 100);
      }
    }
    auto reopened = VectorIndex::Open(path_, opt);
    ASSERT_TRUE(reopened.ok());
    EXPECT_EQ((*reopened)->meta().generation, 11);
    EXPECT_FALSE((*reopened)->Get(labels[0]));
    EXPECT_EQ((*(*reopened)->Get(labels[1]))[0], rows[399 * dim]);
  }
}

}  // namespace
}  // namespace qimg
