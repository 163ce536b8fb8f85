// PIL-exact 8-bit image conversion and resampling (Pillow 9.x Convert.c / Resample.c), so hashes
// and encoder inputs match what the Python reference computes on the same pixels.
#pragma once

#include <cstdint>
#include <vector>

#include "media/image.h"

namespace qimg {

// One-channel 8-bit image, row-major, no padding.
struct GrayImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;
};

// PIL's convert("L"): L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16 (ITU-R 601-2, fixed point).
GrayImage ToGrayPil(const RgbImage& image);

enum class PilFilter { kBilinear, kBicubic, kLanczos };

// PIL's Image.resize(size, filter) with reducing_gap=None and box = whole image: separable
// convolution with antialiasing support scaled by the reduction factor, horizontal pass first,
// 22-bit fixed-point coefficients, each pass rounded and clamped to 8 bits. channels is 1 or 3
// (interleaved). Returns an empty vector when a size is < 1. A pass whose size does not change is
// skipped, as in PIL.
std::vector<uint8_t> ResizePil(const uint8_t* src, int width, int height, int channels,
                               int out_width, int out_height, PilFilter filter);

GrayImage ResizePil(const GrayImage& image, int out_width, int out_height, PilFilter filter);
RgbImage ResizePil(const RgbImage& image, int out_width, int out_height, PilFilter filter);

}  // namespace qimg
