#include "media/colour.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <unordered_set>

namespace qimg {
namespace {

const std::array<const char*, 12> kNames = {"red",    "orange", "yellow", "green", "teal",  "blue",
                                            "purple", "pink",   "brown",  "black", "white", "gray"};

int NameIndex(uint8_t r8, uint8_t g8, uint8_t b8) {
  const double r = r8 / 255.0, g = g8 / 255.0, b = b8 / 255.0;
  const double mx = std::max({r, g, b}), mn = std::min({r, g, b});
  const double v = mx, delta = mx - mn;
  const double s = mx > 0 ? delta / mx : 0;
  if (v < 0.16) return 9;  // black
  // Chroma, not saturation, decides "colourless": dark pixels have noisy saturation.
  if (delta < 0.08 || s < 0.14) {
    if (v > 0.86) return 10;  // white
    if (v < 0.25) return 9;
    return 11;                 // gray
  }
  double h = 0;
  if (mx == r) {
    h = 60 * std::fmod((g - b) / delta, 6.0);
  } else if (mx == g) {
    h = 60 * ((b - r) / delta + 2);
  } else {
    h = 60 * ((r - g) / delta + 4);
  }
  if (h < 0) h += 360;
  const bool warm = h < 50 || h >= 345;
  if (warm && v < 0.6 && s > 0.25) return 8;                            // brown
  if ((h < 15 || h >= 330) && s < 0.5 && v > 0.7) return 7;             // pink (light red)
  if (h < 15 || h >= 345) return 0;                                     // red
  if (h < 40) return 1;                                                 // orange
  if (h < 70) return v < 0.5 ? 8 : 2;                                   // yellow (dark: brown)
  if (h < 165) return 3;                                                // green
  if (h < 195) return 4;                                                // teal
  if (h < 255) return 5;                                                // blue
  if (h < 290) return 6;                                                // purple
  return 7;                                                             // pink / magenta
}

}  // namespace

std::string ColourName(uint8_t r, uint8_t g, uint8_t b) { return kNames[NameIndex(r, g, b)]; }

ColourStats AnalyzeColours(const RgbImage& image) {
  ColourStats st;
  const int w = image.width, h = image.height;
  if (w < 1 || h < 1 || image.pixels.size() < size_t(w) * h * 3) return st;
  const size_t n = size_t(w) * h;
  std::array<size_t, kNames.size()> counts{};
  double luma_sum = 0;
  double rg_sum = 0, yb_sum = 0, rg_sq = 0, yb_sq = 0;
  std::unordered_set<uint16_t> distinct;
  const uint8_t* p = image.pixels.data();
  for (size_t i = 0; i < n; ++i, p += 3) {
    counts[NameIndex(p[0], p[1], p[2])]++;
    luma_sum += 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
    const double rg = double(p[0]) - p[1];
    const double yb = 0.5 * (double(p[0]) + p[1]) - p[2];
    rg_sum += rg;
    yb_sum += yb;
    rg_sq += rg * rg;
    yb_sq += yb * yb;
    distinct.insert(static_cast<uint16_t>(((p[0] >> 3) << 10) | ((p[1] >> 3) << 5) | (p[2] >> 3)));
  }
  st.brightness = luma_sum / n / 255.0;
  const double rg_mean = rg_sum / n, yb_mean = yb_sum / n;
  const double rg_var = std::max(0.0, rg_sq / n - rg_mean * rg_mean);
  const double yb_var = std::max(0.0, yb_sq / n - yb_mean * yb_mean);
  const double m = std::sqrt(rg_var + yb_var) + 0.3 * std::sqrt(rg_mean * rg_mean + yb_mean * yb_mean);
  st.colourfulness = std::clamp(m / 100.0, 0.0, 1.0);
  st.distinct_colours = static_cast<int>(distinct.size());

  for (size_t i = 0; i < kNames.size(); ++i) {
    const double f = double(counts[i]) / n;
    if (f >= 0.05) st.dominant.push_back({kNames[i], f});
  }
  std::stable_sort(st.dominant.begin(), st.dominant.end(),
                   [](const ColourShare& a, const ColourShare& b) { return a.fraction > b.fraction; });
  if (st.dominant.size() > 5) st.dominant.resize(5);

  // Screenshot / document: synthetic images have large exactly flat areas and hard edges, photos
  // have sensor noise (almost no exactly equal neighbours) and soft transitions.
  size_t pairs = 0, flat = 0, changed = 0, hard = 0;
  for (int y = 0; y < h; ++y) {
    const uint8_t* row = image.pixels.data() + size_t(y) * w * 3;
    for (int x = 1; x < w; ++x) {
      const uint8_t* a = row + size_t(x - 1) * 3;
      const uint8_t* b = row + size_t(x) * 3;
      const int d = std::abs(a[0] - b[0]) + std::abs(a[1] - b[1]) + std::abs(a[2] - b[2]);
      ++pairs;
      if (d <= 3) {
        ++flat;
      } else {
        ++changed;
        if (d >= 120) ++hard;
      }
    }
  }
  if (pairs > 0) {
    const double flat_frac = double(flat) / pairs;
    const double hard_frac = changed > 0 ? double(hard) / changed : 0;
    const double few_colours =
        1.0 - std::clamp((std::log2(double(st.distinct_colours) + 1) - 6) / 6.0, 0.0, 1.0);
    const double flat_score = std::clamp((flat_frac - 0.3) / 0.5, 0.0, 1.0);
    st.screenshot_score =
        std::clamp(0.55 * flat_score + 0.25 * few_colours + 0.2 * std::min(1.0, hard_frac * 2), 0.0, 1.0);
  }
  return st;
}

}  // namespace qimg
