// Internal to media/: a small Windows BMP reader. libvips reads BMP only through ImageMagick,
// which we block as untrusted, so uncompressed BMP (the common kind) is decoded here.
#pragma once

#include <string_view>

#include "base/status.h"
#include "media/image.h"

namespace qimg::media_internal {

struct BmpInfo {
  int width = 0;
  int height = 0;          // always positive; top_down says the row order
  bool top_down = false;
  int bits_per_pixel = 0;  // 1, 4, 8, 16, 24, 32
  bool has_alpha = false;  // a 32-bit image with an alpha mask
};

// Parses the file and DIB headers (needs the first ~140 bytes). Corrupt on nonsense fields,
// Unavailable for RLE/JPEG/PNG-compressed BMPs.
Result<BmpInfo> ReadBmpInfo(std::string_view data);

// Decodes the whole file to RGB (alpha dropped). Corrupt when the pixel data is short. The
// caller checks the pixel limit on ReadBmpInfo's size first.
Result<RgbImage> DecodeBmp(std::string_view data);

}  // namespace qimg::media_internal
