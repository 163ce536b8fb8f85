// JPEG renditions of indexed assets for the gallery, cached on disk:
//   <dir>/<key>-<size>.jpg, key = the asset's content SHA-256 (or, without one, a hash of
//   id + abs_path + mtime + size), so a changed file gets a new entry and an unchanged one is
//   decoded once. Entries are written to a unique temporary name and renamed into place, so
//   concurrent requests and crashes never expose half a file.
#pragma once

#include <string>

#include "base/status.h"
#include "store/asset_store.h"

namespace qimg::web {

// The sizes the gallery asks for: grid tiles and the detail view.
inline constexpr int kThumbSmall = 256;
inline constexpr int kThumbLarge = 1024;

struct Thumb {
  std::string jpeg;
  std::string etag;  // quoted; derived from the key and size, stable across restarts
};

class ThumbCache {
 public:
  explicit ThumbCache(std::string dir) : dir_(std::move(dir)) {}

  // The ETag a rendition of this asset at this size will carry (no file access), so a
  // conditional request can be answered with 304 before anything is read.
  static std::string EtagFor(const AssetRow& asset, int size);

  // Reads the cached rendition or makes it from asset.abs_path (libvips shrink-on-load).
  // InvalidArgument for a size other than kThumbSmall/kThumbLarge; NotFound when the file is
  // gone; the decoder's error (Corrupt, ResourceExhausted, ...) when it cannot be read. A cache
  // that cannot be written still returns the rendition.
  Result<Thumb> Get(const AssetRow& asset, int size) const;

 private:
  std::string dir_;
};

}  // namespace qimg::web
