// Reading an image's header without decoding its pixels.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace qimg {

// Largest accepted width*height of one frame: twice PIL's MAX_IMAGE_PIXELS (the size at which
// PIL raises DecompressionBombError). 12000x8000 passes, 30000x30000 does not. The limit is on
// the stored (not shrunk) size, so an over-limit file is rejected before any pixel is decoded.
inline constexpr int64_t kMaxImagePixels = 178956970;

// Largest file media/ will open for decoding or metadata (bytes). Bigger files are refused with
// ResourceExhausted; no real photo comes near it.
inline constexpr int64_t kMaxImageFileBytes = int64_t{2} << 30;

struct ImageHeader {
  // Container decided from the file's magic bytes, never from its name: "jpeg", "png", "gif",
  // "webp", "tiff", "bmp", "heic", "avif" (HEIF brands other than AVIF report "heic").
  std::string format;
  int stored_width = 0;   // as encoded (first page / frame)
  int stored_height = 0;
  int width = 0;           // as displayed: stored size with EXIF orientation 5-8 swapping sides
  int height = 0;
  int orientation = 1;     // EXIF orientation 1-8; 1 when absent or out of range
  int pages = 1;           // frames of an animated GIF/WebP, pages of a TIFF, images of a HEIF
  int bits_per_sample = 8; // 8 or 16 typically (1, 2, 4 for low-depth PNG/BMP are reported as 8)
  int bands = 3;           // colour channels as stored, alpha included (1 gray, 3 RGB, 4 CMYK/RGBA)
  bool has_alpha = false;
};

// Reads the header of the image at `path` (symlinks followed). Bounded in time and memory: no
// pixel data is decoded, and nothing but a regular file is ever opened (FIFOs and devices are
// rejected after stat, and opened with O_NONBLOCK besides, so a swap-in cannot block us).
// Errors:
//   NotFound          path (or a symlink's target) does not exist; dangling link
//   IoError           permission denied, symlink loop, other OS errors; not a regular file
//   InvalidArgument   a directory
//   Corrupt           empty file, not an image we know (text, random bytes), unreadable header
//   Unavailable       a recognised container that this build cannot decode
//   ResourceExhausted width*height > kMaxImagePixels, or file > kMaxImageFileBytes
Result<ImageHeader> ProbeImage(const std::string& path);

}  // namespace qimg
