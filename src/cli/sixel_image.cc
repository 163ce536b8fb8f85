#include "cli/sixel_image.h"

#include <algorithm>
#include <array>
#include <unordered_map>

namespace qimg {
namespace {

uint32_t Pack(const uint8_t* p) { return (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2]; }
int Channel(uint32_t c, int ch) { return static_cast<int>((c >> (16 - 8 * ch)) & 0xff); }

struct ColorCount {
  uint32_t color;
  uint32_t count;
};

// Median cut over the distinct colours (with their pixel counts); see the header.
std::vector<uint32_t> MedianCutPalette(std::vector<ColorCount> colors) {
  struct Box {
    size_t begin, end;
    int widest_channel = 0, range = 0;
  };
  auto measure = [&colors](Box& b) {
    std::array<int, 3> lo{255, 255, 255}, hi{0, 0, 0};
    for (size_t i = b.begin; i < b.end; ++i)
      for (int ch = 0; ch < 3; ++ch) {
        lo[ch] = std::min(lo[ch], Channel(colors[i].color, ch));
        hi[ch] = std::max(hi[ch], Channel(colors[i].color, ch));
      }
    b.range = -1;
    for (int ch = 0; ch < 3; ++ch)
      if (hi[ch] - lo[ch] > b.range) b.range = hi[ch] - lo[ch], b.widest_channel = ch;
  };
  std::vector<Box> boxes{{0, colors.size()}};
  measure(boxes[0]);
  while (boxes.size() < static_cast<size_t>(kMaxSixelColors)) {
    int pick = -1;
    for (size_t i = 0; i < boxes.size(); ++i)
      if (boxes[i].end - boxes[i].begin >= 2 && (pick < 0 || boxes[i].range > boxes[pick].range))
        pick = static_cast<int>(i);
    if (pick < 0) break;
    Box& b = boxes[pick];
    int ch = b.widest_channel;
    // Ties on the channel are broken by the packed colour (distinct), so the order is total.
    std::sort(colors.begin() + b.begin, colors.begin() + b.end,
              [ch](const ColorCount& x, const ColorCount& y) {
                int a = Channel(x.color, ch), c = Channel(y.color, ch);
                return a != c ? a < c : x.color < y.color;
              });
    uint64_t total = 0;
    for (size_t i = b.begin; i < b.end; ++i) total += colors[i].count;
    uint64_t cum = 0;
    size_t split = b.begin + 1;
    for (size_t i = b.begin; i < b.end; ++i) {
      cum += colors[i].count;
      if (2 * cum >= total) {
        split = i + 1;
        break;
      }
    }
    split = std::clamp(split, b.begin + 1, b.end - 1);
    Box upper{split, b.end};
    b.end = split;
    measure(b);
    measure(upper);
    boxes.push_back(upper);
  }
  std::vector<uint32_t> palette;
  for (const Box& b : boxes) {
    uint64_t n = 0, sum[3] = {0, 0, 0};
    for (size_t i = b.begin; i < b.end; ++i) {
      n += colors[i].count;
      for (int ch = 0; ch < 3; ++ch) sum[ch] += uint64_t(Channel(colors[i].color, ch)) * colors[i].count;
    }
    uint32_t c = 0;
    for (int ch = 0; ch < 3; ++ch) c = (c << 8) | static_cast<uint32_t>((sum[ch] + n / 2) / n);
    palette.push_back(c);
  }
  return palette;
}

// Nearest palette entry (squared RGB distance, lowest index on ties), searching outward in
// order of red from the colour's own red: once the red gap alone reaches the best distance, no
// further entry can be nearer. Same answer as a full scan, a fraction of the work.
class NearestColor {
 public:
  explicit NearestColor(const std::vector<uint32_t>& palette) : palette_(palette) {
    for (size_t i = 0; i < palette.size(); ++i) by_red_.push_back(static_cast<int>(i));
    std::sort(by_red_.begin(), by_red_.end(), [&](int a, int b) {
      int ra = Channel(palette[a], 0), rb = Channel(palette[b], 0);
      return ra != rb ? ra < rb : a < b;
    });
  }

  uint8_t operator()(uint32_t color) const {
    const int r = Channel(color, 0);
    auto first_not_below = std::lower_bound(by_red_.begin(), by_red_.end(), r, [&](int i, int v) {
      return Channel(palette_[i], 0) < v;
    });
    int up = static_cast<int>(first_not_below - by_red_.begin()), down = up - 1;
    int best = -1, best_d = 1 << 30;
    auto consider = [&](int i) {
      int d = 0;
      for (int ch = 0; ch < 3; ++ch) {
        int e = Channel(color, ch) - Channel(palette_[i], ch);
        d += e * e;
      }
      if (d < best_d || (d == best_d && i < best)) best_d = d, best = i;
    };
    const int n = static_cast<int>(by_red_.size());
    while (up < n || down >= 0) {
      bool progressed = false;
      if (up < n) {
        int gap = Channel(palette_[by_red_[up]], 0) - r;
        if (gap * gap <= best_d) consider(by_red_[up++]), progressed = true;
        else up = n;
      }
      if (down >= 0) {
        int gap = r - Channel(palette_[by_red_[down]], 0);
        if (gap * gap <= best_d) consider(by_red_[down--]), progressed = true;
        else down = -1;
      }
      if (!progressed) break;
    }
    return static_cast<uint8_t>(best);
  }

 private:
  const std::vector<uint32_t>& palette_;
  std::vector<int> by_red_;
};

void AppendRun(std::string& out, char ch, int n) {
  if (n >= 4) {
    out += '!';
    out += std::to_string(n);
    out += ch;
  } else {
    out.append(static_cast<size_t>(n), ch);
  }
}

}  // namespace

PalettedImage QuantizeForSixel(const RgbImage& image) {
  PalettedImage out;
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != size_t(image.width) * size_t(image.height) * 3)
    return out;
  out.width = image.width;
  out.height = image.height;
  const size_t n = size_t(image.width) * size_t(image.height);
  out.index.resize(n);
  // Few colours (icons, screenshots, tests): the exact palette, first appearance first.
  std::unordered_map<uint32_t, uint8_t> exact;
  bool fits = true;
  for (size_t i = 0; i < n && fits; ++i) {
    uint32_t c = Pack(&image.pixels[3 * i]);
    auto it = exact.find(c);
    if (it == exact.end()) {
      if (exact.size() == static_cast<size_t>(kMaxSixelColors)) {
        fits = false;
        break;
      }
      it = exact.emplace(c, static_cast<uint8_t>(out.palette.size())).first;
      out.palette.push_back(c);
    }
    out.index[i] = it->second;
  }
  if (fits) return out;

  std::vector<uint32_t> packed(n);
  for (size_t i = 0; i < n; ++i) packed[i] = Pack(&image.pixels[3 * i]);
  std::vector<uint32_t> sorted = packed;
  std::sort(sorted.begin(), sorted.end());
  std::vector<ColorCount> colors;
  for (uint32_t c : sorted) {
    if (colors.empty() || colors.back().color != c) colors.push_back({c, 0});
    ++colors.back().count;
  }
  std::vector<uint32_t> distinct(colors.size());
  for (size_t i = 0; i < colors.size(); ++i) distinct[i] = colors[i].color;
  out.palette = MedianCutPalette(std::move(colors));
  std::vector<uint8_t> mapped(distinct.size());
  NearestColor nearest(out.palette);
  for (size_t i = 0; i < distinct.size(); ++i) mapped[i] = nearest(distinct[i]);
  for (size_t i = 0; i < n; ++i) {
    size_t k = std::lower_bound(distinct.begin(), distinct.end(), packed[i]) - distinct.begin();
    out.index[i] = mapped[k];
  }
  return out;
}

std::string EncodeSixel(const PalettedImage& image) {
  const int w = image.width, h = image.height;
  if (w <= 0 || h <= 0 || image.index.size() != size_t(w) * size_t(h) || image.palette.empty() ||
      image.palette.size() > static_cast<size_t>(kMaxSixelColors))
    return "";
  std::string out = "\033P0;1q\"1;1;" + std::to_string(w) + ";" + std::to_string(h);
  for (size_t i = 0; i < image.palette.size(); ++i) {
    uint32_t c = image.palette[i];
    out += "#" + std::to_string(i) + ";2;" + std::to_string(SixelPercent(uint8_t(c >> 16))) + ";" +
           std::to_string(SixelPercent(uint8_t(c >> 8))) + ";" +
           std::to_string(SixelPercent(uint8_t(c)));
  }
  std::vector<uint8_t> bits(size_t(w) * image.palette.size());
  std::vector<bool> used(image.palette.size());
  for (int y0 = 0; y0 < h; y0 += 6) {
    if (y0 > 0) out += '-';
    std::fill(bits.begin(), bits.end(), 0);
    std::fill(used.begin(), used.end(), false);
    for (int k = 0; k < 6 && y0 + k < h; ++k)
      for (int x = 0; x < w; ++x) {
        uint8_t c = image.index[size_t(y0 + k) * w + x];
        if (c >= image.palette.size()) return "";
        bits[size_t(c) * w + x] |= uint8_t(1u << k);
        used[c] = true;
      }
    bool first = true;
    for (size_t c = 0; c < image.palette.size(); ++c) {
      if (!used[c]) continue;
      if (!first) out += '$';
      first = false;
      out += "#" + std::to_string(c);
      const uint8_t* row = &bits[c * w];
      int end = w;
      while (end > 0 && row[end - 1] == 0) --end;  // trailing empty columns need not be sent
      for (int x = 0; x < end;) {
        int run = 1;
        while (x + run < end && row[x + run] == row[x]) ++run;
        AppendRun(out, static_cast<char>(63 + row[x]), run);
        x += run;
      }
    }
  }
  return out + "\033\\";
}

}  // namespace qimg
