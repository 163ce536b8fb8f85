// Perceptual hash (SPEC §4.6: ImageHash's phash, hash_size 8, highfreq_factor 4).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "media/image.h"

namespace qimg {

// 16 lowercase hex digits for a decoded image: PIL "L" conversion, PIL Lanczos resize to 32x32,
// unnormalised 2-D DCT-II, top-left 8x8, bit = coefficient > median (mean of 32nd/33rd values),
// row-major, first bit most significant.
// Orientation: the hash is of the image as given. qimg hashes DecodeRgb's output, i.e. AFTER EXIF
// orientation (the original hashed stored pixels); the two only differ for orientation != 1.
// Resolution: hash a full-resolution decode for parity with the original; a shrink-on-load decode
// (DecodeRgb hint >= 64) differs by a few bits at most, well inside near-duplicate thresholds.
// An empty image (0 width or height) yields "".
std::string PerceptualHash(const RgbImage& image);

// DecodeRgb(path, min_side_hint) then PerceptualHash. Errors are DecodeRgb's.
Result<std::string> PerceptualHashFile(const std::string& path, int min_side_hint = 0);

// Number of differing bits between two hex hashes; -1 when lengths differ or a string holds a
// character that is not a hex digit (either case). Empty vs empty is 0.
int HammingDistance(std::string_view a, std::string_view b);

}  // namespace qimg
