#include "media/phash.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "media/decode.h"
#include "media/pil_resample.h"

namespace qimg {
namespace {

constexpr int kImgSize = 32;  // hash_size 8 * highfreq_factor 4
constexpr int kHashSize = 8;

// cos(pi * k * (2n + 1) / (2N)) for the unnormalised DCT-II (scipy.fftpack.dct, type 2).
const std::array<double, kImgSize * kImgSize>& CosTable() {
  static const auto table = [] {
    std::array<double, kImgSize * kImgSize> t{};
    for (int k = 0; k < kImgSize; ++k) {
      for (int n = 0; n < kImgSize; ++n) {
        t[k * kImgSize + n] = std::cos(M_PI * k * (2 * n + 1) / (2.0 * kImgSize));
      }
    }
    return t;
  }();
  return table;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PerceptualHash(const RgbImage& image) {
  if (image.width < 1 || image.height < 1) return "";
  const GrayImage small =
      ResizePil(ToGrayPil(image), kImgSize, kImgSize, PilFilter::kLanczos);
  const auto& cos = CosTable();
  // DCT along axis 0 (down each column), then along axis 1 (each row). Only the first 8 outputs
  // of the second pass are kept, and they only need the first 8 rows of the first.
  double cols[kHashSize][kImgSize];  // [k][x]
  for (int k = 0; k < kHashSize; ++k) {
    for (int x = 0; x < kImgSize; ++x) {
      double s = 0;
      for (int y = 0; y < kImgSize; ++y) s += small.pixels[y * kImgSize + x] * cos[k * kImgSize + y];
      cols[k][x] = 2 * s;
    }
  }
  std::array<double, kHashSize * kHashSize> low{};
  for (int r = 0; r < kHashSize; ++r) {
    for (int k = 0; k < kHashSize; ++k) {
      double s = 0;
      for (int x = 0; x < kImgSize; ++x) s += cols[r][x] * cos[k * kImgSize + x];
      low[r * kHashSize + k] = 2 * s;
    }
  }
  std::array<double, kHashSize * kHashSize> sorted = low;
  std::sort(sorted.begin(), sorted.end());
  const double median = (sorted[31] + sorted[32]) / 2;
  uint64_t bits = 0;
  for (int i = 0; i < kHashSize * kHashSize; ++i) bits = (bits << 1) | (low[i] > median ? 1 : 0);
  static const char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, bits >>= 4) out[i] = kHex[bits & 0xF];
  return out;
}

Result<std::string> PerceptualHashFile(const std::string& path, int min_side_hint) {
  QIMG_ASSIGN_OR_RETURN(RgbImage img, DecodeRgb(path, min_side_hint));
  return PerceptualHash(img);
}

int HammingDistance(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return -1;
  int d = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const int x = HexValue(a[i]), y = HexValue(b[i]);
    if (x < 0 || y < 0) return -1;
    d += __builtin_popcount(static_cast<unsigned>(x ^ y));
  }
  return d;
}

}  // namespace qimg
