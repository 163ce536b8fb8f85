#include "web/thumb_cache.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>

#include "base/fs.h"
#include "base/hash.h"
#include "media/decode.h"

namespace qimg::web {
namespace {

// Bump when the rendition recipe (quality, resampling) changes, so old entries are not reused.
constexpr const char* kRecipe = "v1q82";
constexpr int kQuality = 82;

std::string KeyFor(const AssetRow& a) {
  if (a.sha256 && a.sha256->size() >= 32) return *a.sha256;
  return Sha256Hex(a.id + "\n" + a.abs_path + "\n" + std::to_string(a.mtime) + "\n" +
                   std::to_string(a.size));
}

// Several server threads may render the same entry at once; each writes its own temporary.
Status WriteUnique(const std::string& path, const std::string& bytes) {
  static std::atomic<uint64_t> counter{0};
  std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      return Status::IoError("cannot write " + tmp);
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IoError("cannot rename " + tmp);
  }
  return Status::Ok();
}

}  // namespace

std::string ThumbCache::EtagFor(const AssetRow& asset, int size) {
  return "\"" + KeyFor(asset).substr(0, 32) + "-" + std::to_string(size) + "-" + kRecipe + "\"";
}

Result<Thumb> ThumbCache::Get(const AssetRow& asset, int size) const {
  if (size != kThumbSmall && size != kThumbLarge)
    return Status::InvalidArgument("size must be 256 or 1024");
  Thumb t;
  t.etag = EtagFor(asset, size);
  std::string path = JoinPath(dir_, KeyFor(asset) + "-" + std::to_string(size) + "-" + kRecipe + ".jpg");
  FileStat st = StatPath(path);
  if (st.is_regular && st.size > 0) {
    auto cached = ReadFileToString(path, int64_t{64} << 20);
    if (cached.ok()) {
      t.jpeg = std::move(*cached);
      return t;
    }
  }
  if (!StatPath(asset.abs_path).is_regular) return Status::NotFound("file is gone: " + asset.rel_path);
  QIMG_ASSIGN_OR_RETURN(t.jpeg, ThumbnailJpeg(asset.abs_path, size, kQuality));
  // A read-only or full cache only costs speed, never the response.
  if (MakeDirs(dir_).ok()) (void)WriteUnique(path, t.jpeg);
  return t;
}

}  // namespace qimg::web
