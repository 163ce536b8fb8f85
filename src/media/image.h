// Decoded pixels shared between media (which decodes) and nn (which preprocesses for encoders).
#pragma once

#include <cstdint>
#include <vector>

namespace qimg {

// 8-bit RGB, interleaved, row-major, no padding: pixels.size() == width * height * 3.
// EXIF orientation has been applied; alpha has been dropped (like PIL's convert("RGB"));
// grayscale was expanded to three equal channels; 16-bit samples were scaled to 8 bits.
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;
};

}  // namespace qimg
