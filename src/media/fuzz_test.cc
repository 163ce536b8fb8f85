// Deterministic mutation robustness test: damaged copies of real files must give a result or a
// clean error from every entry point, never a crash, hang or exception.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "media/corpus_test_util.h"
#include "media/decode.h"
#include "media/metadata.h"
#include "media/phash.h"
#include "media/probe.h"

namespace qimg {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Mutate(const std::string& original, std::mt19937& rng) {
  std::string s = original;
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  // Headers and metadata live near the start: bias mutations there.
  auto where = [&]() { return pick(2) == 0 ? pick(std::min<size_t>(s.size(), 4096)) : pick(s.size()); };
  switch (pick(6)) {
    case 0:  // flip a few bytes
      for (int i = 0, n = 1 + int(pick(16)); i < n; ++i) s[where()] = char(rng());
      break;
    case 1:  // truncate
      s.resize(1 + pick(s.size() - 1));
      break;
    case 2: {  // zero a range
      const size_t at = where();
      std::fill(s.begin() + at, s.begin() + std::min(s.size(), at + 1 + pick(256)), '\0');
      break;
    }
    case 3: {  // insert garbage
      std::string junk(1 + pick(64), '\0');
      for (char& c : junk) c = char(rng());
      s.insert(where(), junk);
      break;
    }
    case 4: {  // set bytes to extremes (sizes, counts, offsets)
      for (int i = 0, n = 1 + int(pick(4)); i < n; ++i) s[where()] = pick(2) ? '\xff' : '\x7f';
      break;
    }
    default: {  // duplicate a chunk (repeated markers / chunks / IFD entries)
      const size_t at = where(), len = 1 + pick(std::min<size_t>(512, s.size() - at));
      s.insert(at, s.substr(at, len));
      break;
    }
  }
  return s;
}

TEST(FuzzTest, MutatedFilesNeverCrash) {
  const std::vector<std::string> seeds = {"metadata/meta-all.jpg", "photos/photo-07.png",
                                          "metadata/meta-webp.webp", "metadata/meta-tiff.tif",
                                          "formats/gif-static.gif", "formats/bmp-24bit.bmp",
                                          "metadata/meta-heic.heic"};
  const std::string dir = testing::MakeTempDir("qimg-media-fuzz-");
  ASSERT_FALSE(dir.empty());
  std::mt19937 rng(20240501);
  int ok_decodes = 0, total = 0;
  for (const auto& seed : seeds) {
    const std::string original = ReadAll(testing::CorpusPath(seed));
    ASSERT_FALSE(original.empty()) << seed;
    for (int i = 0; i < 50; ++i) {
      const std::string bytes = Mutate(original, rng);
      const std::string path = dir + "/case.bin";
      {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), std::streamsize(bytes.size()));
      }
      SCOPED_TRACE(seed + " case " + std::to_string(i));
      auto h = ProbeImage(path);
      auto img = DecodeRgb(path, i % 3 == 0 ? 64 : 0);
      auto mem = DecodeRgbFromMemory(bytes);
      auto meta = ReadMetadata(path);
      if (img.ok()) {
        ++ok_decodes;
        ASSERT_EQ(img->pixels.size(), size_t(img->width) * img->height * 3);
        EXPECT_EQ(PerceptualHash(*img).size(), 16u);
      }
      if (meta.ok()) ToJson(*meta).dump();  // must not throw on invalid UTF-8
      ++total;
    }
  }
  EXPECT_EQ(total, 350);
  EXPECT_GT(ok_decodes, 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace qimg
