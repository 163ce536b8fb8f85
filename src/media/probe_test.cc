#include "media/probe.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "media/corpus_test_util.h"
#include "media/decode.h"
#include "media/metadata.h"

namespace qimg {
namespace {

using testing::CorpusPath;
using testing::EntriesOfKind;
using testing::ExpectDecodable;

std::string ExpectedFormat(std::string f) {
  if (f == "bmp3") return "bmp";
  return f;
}

TEST(ProbeTest, EveryDecodableCorpusFileHasItsDisplaySize) {
  auto entries = EntriesOfKind({"photo", "format", "metadata", "dupe", "ocr", "hostile"});
  ASSERT_GT(entries.size(), 100u);
  int checked = 0;
  for (const auto& e : entries) {
    if (!ExpectDecodable(e)) continue;
    const std::string path = e["path"];
    const auto& x = e["expected"];
    SCOPED_TRACE(path);
    auto h = ProbeImage(CorpusPath(path));
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    EXPECT_EQ(h->format, ExpectedFormat(x.value("format", "")));
    EXPECT_EQ(h->width, x.value("width", -1));
    EXPECT_EQ(h->height, x.value("height", -1));
    if (x.contains("stored_width")) {
      EXPECT_EQ(h->stored_width, x["stored_width"].get<int>());
      EXPECT_EQ(h->stored_height, x["stored_height"].get<int>());
    }
    if (x.contains("pages")) {
      EXPECT_EQ(h->pages, x["pages"].get<int>());
    }
    if (x.contains("frames")) {
      EXPECT_EQ(h->pages, x["frames"].get<int>());
    }
    if (x.contains("has_alpha")) {
      EXPECT_EQ(h->has_alpha, x["has_alpha"].get<bool>());
    }
    if (x.contains("bit_depth")) {
      EXPECT_EQ(h->bits_per_sample, x["bit_depth"].get<int>());
    }
    ++checked;
  }
  EXPECT_GT(checked, 100);
}

TEST(ProbeTest, OrientationIsReported) {
  for (int o : {1, 3, 6, 8}) {
    auto h = ProbeImage(CorpusPath("metadata/meta-orientation-" + std::to_string(o) + ".jpg"));
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->orientation, o);
  }
}

TEST(ProbeTest, PixelLimit) {
  auto big = ProbeImage(CorpusPath("formats/jpeg-12000x8000.jpg"));
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  auto bomb = ProbeImage(CorpusPath("hostile/bomb-png-30000x30000.png"));
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(bomb.status().message().find("30000x30000"), std::string::npos)
      << bomb.status().message();
  for (const char* p : {"hostile/bomb-png-header-100000x100000.png",
                        "hostile/bomb-jpeg-header-65500x65500.jpg"}) {
    auto r = ProbeImage(CorpusPath(p));
    EXPECT_FALSE(r.ok()) << p;
  }
}

TEST(ProbeTest, ClearErrorsForNonImages) {
  auto zero = ProbeImage(CorpusPath("hostile/zero-bytes.jpg"));
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().code(), StatusCode::kCorrupt);
  auto text = ProbeImage(CorpusPath("hostile/text-file.jpg"));
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), StatusCode::kCorrupt);
  auto missing = ProbeImage(CorpusPath("hostile/does-not-exist.jpg"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto dir = ProbeImage(CorpusPath("hostile"));
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.status().code(), StatusCode::kInvalidArgument);
}

// Every hostile file: probe, decode and metadata each return (ok or a clean error) quickly.
void ExpectBoundedAndClean(const std::string& path, bool expect_ok_decode) {
  SCOPED_TRACE(path);
  const auto start = std::chrono::steady_clock::now();
  auto h = ProbeImage(path);
  auto img = DecodeRgb(path, 0);
  auto meta = ReadMetadata(path);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(secs, 10.0);
  if (!h.ok()) {
    EXPECT_FALSE(h.status().message().empty());
  }
  if (!img.ok()) {
    EXPECT_FALSE(img.status().message().empty());
  }
  if (expect_ok_decode) {
    EXPECT_TRUE(img.ok()) << img.status().ToString();
  }
  if (img.ok()) {
    EXPECT_EQ(img->pixels.size(), size_t(img->width) * img->height * 3);
  }
}

TEST(ProbeTest, HostileFilesAreBoundedAndClean) {
  for (const auto& e : EntriesOfKind({"hostile"})) {
    const auto& d = e["expected"]["decodable"];
    ExpectBoundedAndClean(CorpusPath(e["path"]), d.is_boolean() && d.get<bool>());
    if (d.is_boolean() && !d.get<bool>()) {
      EXPECT_FALSE(ProbeImage(CorpusPath(e["path"])).ok()) << e["path"];
    }
  }
}

TEST(ProbeTest, GeneratedHostileItems) {
  const std::string dir = testing::MakeTempDir("qimg-media-hostile-");
  ASSERT_FALSE(dir.empty());
  const std::string target = dir + "/gen";
  const std::string cmd = "'" + CorpusPath("make-hostile.sh") + "' --blocking '" + target +
                          "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const bool root = ::geteuid() == 0;
  struct Case {
    const char* name;
    StatusCode code;  // kOk = must decode
  };
  const Case cases[] = {
      {"loop-a.jpg", StatusCode::kIoError},     {"dangling.jpg", StatusCode::kNotFound},
      {"link-to-photo.png", StatusCode::kOk},   {"hardlink-b.jpg", StatusCode::kOk},
      {"unreadable.jpg", StatusCode::kIoError}, {"unreadable-dir/photo.jpg", StatusCode::kIoError},
      {"fifo.jpg", StatusCode::kIoError},       {"dev-zero.jpg", StatusCode::kIoError},
      {"dir-loop/back/back/photo.jpg", StatusCode::kOk},
      {"bad-name-\xff\xfe.jpg", StatusCode::kOk}, {"new\nline.jpg", StatusCode::kOk},
  };
  for (const Case& c : cases) {
    const std::string path = target + "/" + c.name;
    SCOPED_TRACE(path);
    if (root && (c.code == StatusCode::kIoError) &&
        std::string(c.name).find("unreadable") != std::string::npos) {
      continue;  // root reads mode-000 files
    }
    ExpectBoundedAndClean(path, c.code == StatusCode::kOk);
    auto h = ProbeImage(path);
    if (c.code == StatusCode::kOk) {
      EXPECT_TRUE(h.ok()) << h.status().ToString();
    } else {
      ASSERT_FALSE(h.ok());
      EXPECT_EQ(h.status().code(), c.code) << h.status().ToString();
    }
  }
  // The path longer than PATH_MAX: found by walking, it must not crash (ENAMETOOLONG is fine).
  std::string deep;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           target + "/pathmax", std::filesystem::directory_options::skip_permission_denied)) {
    if (entry.path().filename() == "deep.jpg") deep = entry.path().string();
  }
  if (!deep.empty()) ExpectBoundedAndClean(deep, false);
  std::system(("'" + CorpusPath("make-hostile.sh") + "' --clean '" + target + "' >/dev/null 2>&1")
                  .c_str());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace qimg
