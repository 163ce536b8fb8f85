#include "media/phash.h"

#include <gtest/gtest.h>

#include "media/corpus_test_util.h"
#include "media/decode.h"
#include "media/pil_resample.h"

namespace qimg {
namespace {

using testing::CorpusPath;
using testing::EntriesOfKind;

std::string HashOf(const std::string& rel, int hint = 0) {
  auto h = PerceptualHashFile(CorpusPath(rel), hint);
  EXPECT_TRUE(h.ok()) << rel << ": " << h.status().ToString();
  return h.ok() ? *h : std::string();
}

TEST(PilResampleTest, GrayConversionMatchesPil) {
  RgbImage img{3, 1, {255, 0, 0, 0, 255, 0, 0, 0, 255}};
  GrayImage g = ToGrayPil(img);
  // PIL: Image.new("RGB", ...) of pure red / green / blue -> L = 76, 150, 29.
  EXPECT_EQ(g.pixels, (std::vector<uint8_t>{76, 150, 29}));
  RgbImage white{1, 1, {255, 255, 255}};
  EXPECT_EQ(ToGrayPil(white).pixels[0], 255);
}

TEST(PilResampleTest, KnownSmallResizes) {
  // PIL: Image.frombytes("L", (2, 1), b"\x00\xff").resize((1, 1), BILINEAR) -> 128.
  GrayImage two{2, 1, {0, 255}};
  EXPECT_EQ(ResizePil(two, 1, 1, PilFilter::kBilinear).pixels, std::vector<uint8_t>{128});
  // Same size: a copy.
  GrayImage g{3, 2, {1, 2, 3, 4, 5, 6}};
  EXPECT_EQ(ResizePil(g, 3, 2, PilFilter::kLanczos).pixels, g.pixels);
  // A constant image stays constant under every filter, up and down.
  GrayImage flat{50, 30, std::vector<uint8_t>(1500, 77)};
  for (auto f : {PilFilter::kBilinear, PilFilter::kBicubic, PilFilter::kLanczos}) {
    for (auto [w, h] : {std::pair{32, 32}, std::pair{7, 90}, std::pair{200, 3}}) {
      GrayImage r = ResizePil(flat, w, h, f);
      ASSERT_EQ(r.pixels.size(), size_t(w) * h);
      for (uint8_t v : r.pixels) ASSERT_EQ(v, 77);
    }
  }
  EXPECT_TRUE(ResizePil(flat, 0, 5, PilFilter::kLanczos).pixels.empty());
}

TEST(PilResampleTest, LanczosOvershootIsClamped) {
  // A hard edge makes Lanczos ring; results must stay inside 0..255 and be symmetric.
  GrayImage edge{64, 1, {}};
  for (int x = 0; x < 64; ++x) edge.pixels.push_back(x < 32 ? 0 : 255);
  GrayImage r = ResizePil(edge, 48, 1, PilFilter::kLanczos);
  ASSERT_EQ(r.pixels.size(), 48u);
  EXPECT_EQ(r.pixels[0], 0);
  EXPECT_EQ(r.pixels[47], 255);
  for (int x = 0; x < 24; ++x) EXPECT_NEAR(int(r.pixels[x]) + int(r.pixels[47 - x]), 255, 1) << x;
}

TEST(PhashTest, FormatAndEdgeCases) {
  RgbImage img{40, 30, std::vector<uint8_t>(40 * 30 * 3)};
  for (int y = 0; y < 30; ++y) {
    for (int x = 0; x < 40; ++x) {
      uint8_t* p = &img.pixels[(y * 40 + x) * 3];
      p[0] = uint8_t(x * 6);
      p[1] = uint8_t(y * 8);
      p[2] = uint8_t((x * y) % 256);
    }
  }
  const std::string h = PerceptualHash(img);
  ASSERT_EQ(h.size(), 16u);
  for (char c : h) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << h;
  EXPECT_EQ(PerceptualHash(img), h);  // deterministic
  EXPECT_EQ(PerceptualHash(RgbImage{}), "");
  // Mirroring an image with strong structure changes many bits.
  RgbImage mirror = img;
  for (int y = 0; y < 30; ++y) {
    for (int x = 0; x < 40; ++x) {
      for (int c = 0; c < 3; ++c) mirror.pixels[(y * 40 + x) * 3 + c] = img.pixels[(y * 40 + 39 - x) * 3 + c];
    }
  }
  EXPECT_GT(HammingDistance(PerceptualHash(mirror), h), 8);
}

TEST(PhashTest, Hamming) {
  EXPECT_EQ(HammingDistance("0000000000000000", "0000000000000000"), 0);
  EXPECT_EQ(HammingDistance("ffffffffffffffff", "0000000000000000"), 64);
  EXPECT_EQ(HammingDistance("8000000000000001", "0000000000000000"), 2);
  EXPECT_EQ(HammingDistance("ABCD", "abcd"), 0);
  EXPECT_EQ(HammingDistance("00", "000"), -1);
  EXPECT_EQ(HammingDistance("0g", "00"), -1);
  EXPECT_EQ(HammingDistance("", ""), 0);
}

// The manifest's reference distances come from a Python DCT pHash on the same files; ours agree
// within a couple of bits (decoders and the median rule differ slightly).
TEST(PhashTest, CorpusDuplicates) {
  int checked = 0;
  for (const auto& e : EntriesOfKind({"dupe"})) {
    const auto& x = e["expected"];
    if (!x.contains("relation") || x["relation"] == "exact") continue;
    const std::string path = e["path"], of = x["of"], relation = x["relation"];
    const int reference = x["reference_hash_distance"]["phash64_dct"];
    const int d = HammingDistance(HashOf(path), HashOf(of));
    SCOPED_TRACE(path + " vs " + of + " (reference " + std::to_string(reference) + ")");
    EXPECT_NEAR(d, reference, 2);
    if (relation == "pixel-identical") {
      EXPECT_EQ(d, 0);
    } else if (relation == "near" || relation == "similar-scene") {
      EXPECT_GE(d, 0);
      EXPECT_LE(d, 10);
    } else if (relation == "transformed") {
      EXPECT_GE(d, 20);
    }
    ++checked;
  }
  EXPECT_GE(checked, 15);
}

TEST(PhashTest, UnrelatedPairsAreFar) {
  int checked = 0;
  for (const auto& pair : testing::Manifest()["reference_unrelated_pairs"]) {
    const int d = HammingDistance(HashOf(pair["a"]), HashOf(pair["b"]));
    EXPECT_GE(d, 18) << pair["a"] << " vs " << pair["b"];
    EXPECT_NEAR(d, pair["phash64_dct"].get<int>(), 4) << pair["a"] << " vs " << pair["b"];
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

TEST(PhashTest, ShrinkOnLoadChangesFewBits) {
  for (const char* p : {"photos/photo-10.jpg", "photos/photo-19.jpg", "photos/photo-24.jpg",
                        "formats/jpeg-12000x8000.jpg"}) {
    const int d = HammingDistance(HashOf(p, 0), HashOf(p, 64));
    EXPECT_LE(d, 4) << p;
  }
}

}  // namespace
}  // namespace qimg
