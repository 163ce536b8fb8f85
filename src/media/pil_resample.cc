// A transcription of Pillow 9.x libImaging/Resample.c (ImagingResample for 8-bit images) and the
// rgb2l conversion of Convert.c. Pillow is the reference the original qimg ran; matching it bit
// for bit keeps perceptual hashes and encoder inputs identical on identical pixels.
#include "media/pil_resample.h"

#include <algorithm>
#include <cmath>

namespace qimg {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

double BilinearFilter(double x) {
  if (x < 0.0) x = -x;
  if (x < 1.0) return 1.0 - x;
  return 0.0;
}

double BicubicFilter(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

double Sinc(double x) {
  if (x == 0.0) return 1.0;
  x = x * M_PI;
  return std::sin(x) / x;
}

double LanczosFilter(double x) {
  if (-3.0 <= x && x < 3.0) return Sinc(x) * Sinc(x / 3);
  return 0.0;
}

struct Filter {
  double (*fn)(double);
  double support;
};

Filter FilterFor(PilFilter f) {
  switch (f) {
    case PilFilter::kBilinear: return {BilinearFilter, 1.0};
    case PilFilter::kBicubic: return {BicubicFilter, 2.0};
    case PilFilter::kLanczos: break;
  }
  return {LanczosFilter, 3.0};
}

// Per output pixel: first input index, count, and ksize fixed-point weights.
struct Coeffs {
  int ksize = 0;
  std::vector<int> bounds;  // xmin, xmax pairs
  std::vector<int> kk;      // outSize * ksize
};

// precompute_coeffs + normalize_coeffs_8bpc for box [0, in_size).
Coeffs PrecomputeCoeffs(int in_size, int out_size, const Filter& filter) {
  const float in0 = 0.0f, in1 = static_cast<float>(in_size);
  double scale = static_cast<double>(in1 - in0) / out_size;
  double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = filter.support * filterscale;
  Coeffs c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.bounds.resize(size_t(out_size) * 2);
  std::vector<double> prekk(size_t(out_size) * c.ksize, 0.0);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = in0 + (xx + 0.5) * scale;
    double ww = 0.0;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double* k = &prekk[size_t(xx) * c.ksize];
    for (int x = 0; x < xmax; ++x) {
      const double w = filter.fn((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (int x = 0; x < xmax; ++x) {
      if (ww != 0.0) k[x] /= ww;
    }
    c.bounds[size_t(xx) * 2] = xmin;
    c.bounds[size_t(xx) * 2 + 1] = xmax;
  }
  c.kk.resize(prekk.size());
  for (size_t i = 0; i < prekk.size(); ++i) {
    c.kk[i] = prekk[i] < 0 ? static_cast<int>(-0.5 + prekk[i] * (1 << kPrecisionBits))
                           : static_cast<int>(0.5 + prekk[i] * (1 << kPrecisionBits));
  }
  return c;
}

inline uint8_t Clip8(int in) {
  // Pillow's lookup table: in >> PRECISION_BITS clamped to 0..255 (arithmetic shift).
  return static_cast<uint8_t>(std::clamp(in >> kPrecisionBits, 0, 255));
}

// Horizontal pass over rows [row0, row0 + rows) of src.
std::vector<uint8_t> ResampleHorizontal(const uint8_t* src, int in_w, int channels, int row0,
                                        int rows, int out_w, const Coeffs& c) {
  std::vector<uint8_t> out(size_t(out_w) * rows * channels);
  for (int yy = 0; yy < rows; ++yy) {
    const uint8_t* line = src + size_t(yy + row0) * in_w * channels;
    uint8_t* dst = out.data() + size_t(yy) * out_w * channels;
    for (int xx = 0; xx < out_w; ++xx) {
      const int xmin = c.bounds[size_t(xx) * 2], xmax = c.bounds[size_t(xx) * 2 + 1];
      const int* k = &c.kk[size_t(xx) * c.ksize];
      for (int ch = 0; ch < channels; ++ch) {
        int ss = 1 << (kPrecisionBits - 1);
        for (int x = 0; x < xmax; ++x) ss += line[size_t(x + xmin) * channels + ch] * k[x];
        dst[size_t(xx) * channels + ch] = Clip8(ss);
      }
    }
  }
  return out;
}

std::vector<uint8_t> ResampleVertical(const uint8_t* src, int width, int channels, int out_h,
                                      const Coeffs& c, int row_shift) {
  std::vector<uint8_t> out(size_t(width) * out_h * channels);
  const size_t row_bytes = size_t(width) * channels;
  for (int yy = 0; yy < out_h; ++yy) {
    const int ymin = c.bounds[size_t(yy) * 2] - row_shift, ymax = c.bounds[size_t(yy) * 2 + 1];
    const int* k = &c.kk[size_t(yy) * c.ksize];
    uint8_t* dst = out.data() + size_t(yy) * row_bytes;
    for (size_t i = 0; i < row_bytes; ++i) {
      int ss = 1 << (kPrecisionBits - 1);
      for (int y = 0; y < ymax; ++y) ss += src[size_t(y + ymin) * row_bytes + i] * k[y];
      dst[i] = Clip8(ss);
    }
  }
  return out;
}

}  // namespace

GrayImage ToGrayPil(const RgbImage& image) {
  GrayImage g;
  g.width = image.width;
  g.height = image.height;
  const size_t n = size_t(image.width) * image.height;
  g.pixels.resize(n);
  const uint8_t* s = image.pixels.data();
  for (size_t i = 0; i < n; ++i, s += 3) {
    g.pixels[i] = static_cast<uint8_t>((s[0] * 19595 + s[1] * 38470 + s[2] * 7471 + 0x8000) >> 16);
  }
  return g;
}

std::vector<uint8_t> ResizePil(const uint8_t* src, int width, int height, int channels,
                               int out_width, int out_height, PilFilter filter) {
  if (width < 1 || height < 1 || out_width < 1 || out_height < 1 || channels < 1) return {};
  const Filter f = FilterFor(filter);
  const bool need_h = out_width != width;
  const bool need_v = out_height != height;
  if (!need_h && !need_v) {
    return std::vector<uint8_t>(src, src + size_t(width) * height * channels);
  }
  const Coeffs ch = PrecomputeCoeffs(width, out_width, f);
  const Coeffs cv = PrecomputeCoeffs(height, out_height, f);
  // Only the source rows the vertical pass reads go through the horizontal pass.
  const int ybox_first = cv.bounds[0];
  const int ybox_last = cv.bounds[size_t(out_height) * 2 - 2] + cv.bounds[size_t(out_height) * 2 - 1];
  if (!need_v) return ResampleHorizontal(src, width, channels, 0, height, out_width, ch);
  if (!need_h) return ResampleVertical(src, width, channels, out_height, cv, 0);
  std::vector<uint8_t> tmp =
      ResampleHorizontal(src, width, channels, ybox_first, ybox_last - ybox_first, out_width, ch);
  return ResampleVertical(tmp.data(), out_width, channels, out_height, cv, ybox_first);
}

GrayImage ResizePil(const GrayImage& image, int out_width, int out_height, PilFilter filter) {
  GrayImage out;
  out.pixels = ResizePil(image.pixels.data(), image.width, image.height, 1, out_width, out_height,
                         filter);
  if (!out.pixels.empty()) {
    out.width = out_width;
    out.height = out_height;
  }
  return out;
}

RgbImage ResizePil(const RgbImage& image, int out_width, int out_height, PilFilter filter) {
  RgbImage out;
  out.pixels = ResizePil(image.pixels.data(), image.width, image.height, 3, out_width, out_height,
                         filter);
  if (!out.pixels.empty()) {
    out.width = out_width;
    out.height = out_height;
  }
  return out;
}

}  // namespace qimg
