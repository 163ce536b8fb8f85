#include "media/decode.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "media/corpus_test_util.h"
#include "media/media_init.h"
#include "media/pil_resample.h"
#include "media/probe.h"

namespace qimg {
namespace {

using testing::CorpusPath;
using testing::EntriesOfKind;
using testing::ExpectDecodable;

// Mean absolute difference per sample of two same-sized images (after resizing b to a's size).
double MeanAbsDiff(const RgbImage& a, const RgbImage& b_in) {
  RgbImage b = b_in;
  if (b.width != a.width || b.height != a.height) {
    b = ResizePil(b_in, a.width, a.height, PilFilter::kBilinear);
  }
  double sum = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) sum += std::abs(int(a.pixels[i]) - int(b.pixels[i]));
  return sum / a.pixels.size();
}

RgbImage MustDecode(const std::string& rel, int hint = 0) {
  auto r = DecodeRgb(CorpusPath(rel), hint);
  EXPECT_TRUE(r.ok()) << rel << ": " << r.status().ToString();
  return r.ok() ? std::move(r).value() : RgbImage{};
}

TEST(DecodeTest, InitIsIdempotentAndThreadSafe) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([] { EXPECT_TRUE(InitMedia().ok()); });
  for (auto& t : threads) t.join();
  EXPECT_TRUE(InitMedia().ok());
}

TEST(DecodeTest, EveryDecodableCorpusFileDecodesToDisplaySize) {
  int checked = 0;
  for (const auto& e : EntriesOfKind({"photo", "format", "metadata", "dupe", "ocr"})) {
    if (!ExpectDecodable(e)) continue;
    const std::string path = e["path"];
    const auto& x = e["expected"];
    if (x.value("width", 0) * int64_t{x.value("height", 0)} > 20'000'000) continue;  // below
    SCOPED_TRACE(path);
    auto img = DecodeRgb(CorpusPath(path));
    ASSERT_TRUE(img.ok()) << img.status().ToString();
    EXPECT_EQ(img->width, x.value("width", -1));
    EXPECT_EQ(img->height, x.value("height", -1));
    EXPECT_EQ(img->pixels.size(), size_t(img->width) * img->height * 3);
    ++checked;
  }
  EXPECT_GT(checked, 90);
}

TEST(DecodeTest, OnePixelPng) {
  RgbImage img = MustDecode("formats/png-1x1.png");
  ASSERT_EQ(img.pixels.size(), 3u);
  EXPECT_EQ(img.pixels[0], 255);
  EXPECT_EQ(img.pixels[1], 0);
  EXPECT_EQ(img.pixels[2], 0);
}

TEST(DecodeTest, OrientationIsApplied) {
  RgbImage upright = MustDecode("metadata/meta-orientation-1.jpg");
  for (int o : {3, 6, 8}) {
    RgbImage img = MustDecode("metadata/meta-orientation-" + std::to_string(o) + ".jpg");
    ASSERT_EQ(img.width, upright.width) << o;
    ASSERT_EQ(img.height, upright.height) << o;
    EXPECT_LT(MeanAbsDiff(upright, img), 6.0) << "orientation " << o;
  }
}

TEST(DecodeTest, LosslessCopiesArePixelIdentical) {
  RgbImage png = MustDecode("photos/photo-03.png");
  for (const char* p : {"dupes/lossless/same-pixels.bmp", "dupes/lossless/same-pixels.tif",
                        "dupes/lossless/same-pixels-recompressed.png",
                        "formats/png-interlaced.png"}) {
    RgbImage other = MustDecode(p);
    EXPECT_EQ(other.pixels, png.pixels) << p;
  }
  EXPECT_EQ(MustDecode("formats/bmp-24bit.bmp").pixels, MustDecode("photos/photo-02.png").pixels);
}

TEST(DecodeTest, CmykLooksLikeTheRgbOriginal) {
  RgbImage rgb = MustDecode("photos/photo-03.png");
  for (const char* p : {"formats/jpeg-cmyk.jpg", "formats/jpeg-cmyk-notransform.jpg"}) {
    RgbImage cmyk = MustDecode(p);
    EXPECT_LT(MeanAbsDiff(rgb, cmyk), 20.0) << p;
  }
}

TEST(DecodeTest, GrayscaleIsExpandedAndAlphaDropped) {
  RgbImage gray = MustDecode("formats/jpeg-grayscale.jpg");
  for (size_t i = 0; i < gray.pixels.size(); i += 3) {
    ASSERT_EQ(gray.pixels[i], gray.pixels[i + 1]);
    ASSERT_EQ(gray.pixels[i], gray.pixels[i + 2]);
  }
  // The RGBA PNG is photo-02 inside a transparent vignette; dropping alpha (not compositing on
  // white or black) keeps the photo's colours under the transparent corners.
  RgbImage rgba = MustDecode("formats/png-rgba.png");
  RgbImage photo = MustDecode("photos/photo-02.png");
  EXPECT_LT(MeanAbsDiff(photo, rgba), 12.0);
}

TEST(DecodeTest, SixteenBitKeepsHighByte) {
  RgbImage png16 = MustDecode("formats/png-16bit-rgb.png");
  RgbImage ref = MustDecode("photos/photo-01.png");
  EXPECT_LT(MeanAbsDiff(png16, ref), 12.0);
}

TEST(DecodeTest, ShrinkOnLoadIsCheapAndRespectsHint) {
  const auto start = std::chrono::steady_clock::now();
  auto img = DecodeRgb(CorpusPath("formats/jpeg-12000x8000.jpg"), 224);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(img.ok()) << img.status().ToString();
  EXPECT_EQ(img->width, 1500);  // 1/8 scale
  EXPECT_EQ(img->height, 1000);
  EXPECT_LT(secs, 3.0);
  // The hint is a floor on the shorter side.
  RgbImage photo = MustDecode("photos/photo-10.jpg", 200);
  EXPECT_GE(std::min(photo.width, photo.height), 200);
  EXPECT_LT(std::min(photo.width, photo.height), 427);
  RgbImage webp = MustDecode("dupes/near/near-09-webp.webp", 100);
  EXPECT_GE(std::min(webp.width, webp.height), 100);
  EXPECT_LT(std::min(webp.width, webp.height), 200);
  // No shrink when the hint is larger than the image.
  RgbImage full = MustDecode("photos/photo-10.jpg", 5000);
  EXPECT_EQ(full.width, 640);
}

TEST(DecodeTest, FullSizeTwelveThousandPixelJpeg) {
  auto img = DecodeRgb(CorpusPath("formats/jpeg-12000x8000.jpg"), 0);
  ASSERT_TRUE(img.ok()) << img.status().ToString();
  EXPECT_EQ(img->width, 12000);
  EXPECT_EQ(img->height, 8000);
}

TEST(DecodeTest, FirstFrameOfMultiPage) {
  RgbImage tiff = MustDecode("formats/tiff-multipage.tif");
  EXPECT_EQ(tiff.width, 300);
  EXPECT_EQ(tiff.height, 200);
  RgbImage gif = MustDecode("formats/gif-animated.gif");
  EXPECT_EQ(gif.width, 240);
  EXPECT_EQ(gif.height, 180);
}

TEST(DecodeTest, FromMemoryMatchesFile) {
  std::ifstream in(CorpusPath("photos/photo-04.jpg"), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  auto mem = DecodeRgbFromMemory(ss.str());
  ASSERT_TRUE(mem.ok());
  EXPECT_EQ(mem->pixels, MustDecode("photos/photo-04.jpg").pixels);
  EXPECT_FALSE(DecodeRgbFromMemory("").ok());
  EXPECT_FALSE(DecodeRgbFromMemory("hello world, not an image").ok());
}

TEST(DecodeTest, ThumbnailJpeg) {
  auto jpeg = ThumbnailJpeg(CorpusPath("metadata/meta-orientation-6.jpg"), 128, 80);
  ASSERT_TRUE(jpeg.ok()) << jpeg.status().ToString();
  ASSERT_GT(jpeg->size(), 100u);
  EXPECT_EQ(static_cast<unsigned char>((*jpeg)[0]), 0xFF);
  auto back = DecodeRgbFromMemory(*jpeg);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->width, 128);  // display orientation: landscape 640x427
  EXPECT_EQ(back->height, 85);
  EXPECT_FALSE(ThumbnailJpeg(CorpusPath("photos/photo-04.jpg"), 0, 80).ok());
  EXPECT_FALSE(ThumbnailJpeg(CorpusPath("photos/photo-04.jpg"), 64, 101).ok());
  EXPECT_FALSE(ThumbnailJpeg(CorpusPath("hostile/text-file.jpg"), 64, 80).ok());
}

TEST(DecodeTest, ConcurrentDecodes) {
  const std::vector<std::string> files = {"photos/photo-10.jpg", "photos/photo-02.png",
                                          "formats/webp-lossy.webp", "formats/heic-basic.heic",
                                          "formats/tiff-lzw-rgb.tif", "formats/gif-static.gif"};
  std::vector<std::vector<uint8_t>> first;
  for (const auto& f : files) first.push_back(MustDecode(f).pixels);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 6; ++i) {
        const size_t k = (t + i) % files.size();
        auto img = DecodeRgb(CorpusPath(files[k]));
        if (!img.ok() || img->pixels != first[k]) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace qimg
