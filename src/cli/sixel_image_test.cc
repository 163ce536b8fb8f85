#include "cli/sixel_image.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "media/decode.h"
#include "media/pil_resample.h"

namespace qimg {
namespace {

RgbImage Make(int w, int h, const std::vector<uint32_t>& colors) {
  RgbImage im;
  im.width = w;
  im.height = h;
  for (uint32_t c : colors) {
    im.pixels.push_back(uint8_t(c >> 16));
    im.pixels.push_back(uint8_t(c >> 8));
    im.pixels.push_back(uint8_t(c));
  }
  return im;
}

std::string Sixel(const RgbImage& im) { return EncodeSixel(QuantizeForSixel(im)); }

// A small, strict decoder for what EncodeSixel writes (and the parts of the format it uses):
// fails the test on anything unexpected.
struct Decoded {
  int width = 0, height = 0;
  std::map<int, std::array<int, 3>> registers;  // 0-100 scale
  std::vector<int> index;                       // -1 = never painted
};

Decoded DecodeSixel(const std::string& s) {
  Decoded d;
  const std::string head = "\033P0;1q\"1;1;";
  EXPECT_EQ(s.rfind(head, 0), 0u);
  EXPECT_GE(s.size(), head.size() + 2);
  if (s.size() < head.size() + 2) return d;
  EXPECT_EQ(s.substr(s.size() - 2), "\033\\");
  size_t i = head.size();
  auto number = [&]() {
    int v = 0;
    bool any = false;
    while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) v = v * 10 + (s[i++] - '0'), any = true;
    EXPECT_TRUE(any) << "number expected at " << i;
    return v;
  };
  d.width = number();
  EXPECT_EQ(s[i++], ';');
  d.height = number();
  d.index.assign(size_t(d.width) * d.height, -1);
  int color = -1, x = 0, band = 0;
  const size_t end = s.size() - 2;
  while (i < end) {
    char ch = s[i];
    if (ch == '#') {
      ++i;
      int reg = number();
      if (i < end && s[i] == ';') {
        ++i;
        EXPECT_EQ(number(), 2);  // RGB colour space
        std::array<int, 3> rgb{};
        for (int k = 0; k < 3; ++k) {
          EXPECT_EQ(s[i++], ';');
          rgb[k] = number();
          EXPECT_LE(rgb[k], 100);
        }
        d.registers[reg] = rgb;
      } else {
        EXPECT_TRUE(d.registers.count(reg)) << "register " << reg << " used before being defined";
        color = reg;
      }
    } else if (ch == '$') {
      ++i, x = 0;
    } else if (ch == '-') {
      ++i, x = 0, ++band;
    } else {
      int run = 1;
      if (ch == '!') {
        ++i;
        run = number();
        EXPECT_GE(run, 4) << "short runs are cheaper written out";
        ch = s[i];
      }
      ++i;
      EXPECT_TRUE(ch >= 63 && ch <= 126) << "bad sixel char " << int(ch);
      EXPECT_GE(color, 0);
      for (int r = 0; r < run; ++r, ++x) {
        EXPECT_LT(x, d.width);
        for (int k = 0; k < 6; ++k) {
          if (!((ch - 63) & (1 << k))) continue;
          int y = band * 6 + k;
          EXPECT_LT(y, d.height);
          if (x >= d.width || y >= d.height) continue;
          EXPECT_EQ(d.index[size_t(y) * d.width + x], -1) << "pixel painted twice";
          d.index[size_t(y) * d.width + x] = color;
        }
      }
    }
  }
  return d;
}

// Decoding the encoder's output gives back the quantised image exactly (colours at the
// protocol's 0-100 precision).
void ExpectRoundTrip(const PalettedImage& q) {
  Decoded d = DecodeSixel(EncodeSixel(q));
  ASSERT_EQ(d.width, q.width);
  ASSERT_EQ(d.height, q.height);
  ASSERT_EQ(d.registers.size(), q.palette.size());
  for (size_t c = 0; c < q.palette.size(); ++c) {
    std::array<int, 3> want{SixelPercent(uint8_t(q.palette[c] >> 16)),
                            SixelPercent(uint8_t(q.palette[c] >> 8)), SixelPercent(uint8_t(q.palette[c]))};
    EXPECT_EQ(d.registers[int(c)], want) << "register " << c;
  }
  for (size_t p = 0; p < q.index.size(); ++p) ASSERT_EQ(d.index[p], int(q.index[p])) << "pixel " << p;
}

// Every pixel got its nearest palette colour (squared distance, lowest index on ties).
void ExpectNearest(const RgbImage& im, const PalettedImage& q) {
  for (size_t p = 0; p < q.index.size(); ++p) {
    int best = -1, best_d = 1 << 30;
    for (size_t c = 0; c < q.palette.size(); ++c) {
      int d = 0;
      for (int ch = 0; ch < 3; ++ch) {
        int e = int(uint8_t(q.palette[c] >> (16 - 8 * ch))) - im.pixels[3 * p + ch];
        d += e * e;
      }
      if (d < best_d) best_d = d, best = int(c);
    }
    ASSERT_EQ(int(q.index[p]), best) << "pixel " << p;
  }
}

TEST(SixelImageTest, OnePixel) {
  EXPECT_EQ(Sixel(Make(1, 1, {0xff0000})), "\033P0;1q\"1;1;1;1#0;2;100;0;0#0@\033\\");
}

TEST(SixelImageTest, SevenRowsCrossABand) {
  // Rows 0-5 fill the first band (63 + 0b111111 = '~'), row 6 is bit 0 of the second.
  EXPECT_EQ(Sixel(Make(2, 7, std::vector<uint32_t>(14, 0xffffff))),
            "\033P0;1q\"1;1;2;7#0;2;100;100;100#0~~-#0@@\033\\");
}

TEST(SixelImageTest, RunsAndRounding) {
  // 128/255 = 50.2 % -> 50; a run of ten is "!10@".
  EXPECT_EQ(Sixel(Make(10, 1, std::vector<uint32_t>(10, 0x808080))),
            "\033P0;1q\"1;1;10;1#0;2;50;50;50#0!10@\033\\");
  // Five red then one blue: red's run, then blue after "$" with the empty columns as a run;
  // red's trailing empty column is not sent.
  EXPECT_EQ(Sixel(Make(6, 1, {0xff0000, 0xff0000, 0xff0000, 0xff0000, 0xff0000, 0x0000ff})),
            "\033P0;1q\"1;1;6;1#0;2;100;0;0#1;2;0;0;100#0!5@$#1!5?@\033\\");
  // Three of a kind are written out ("???" is no longer than "!3?").
  EXPECT_EQ(Sixel(Make(4, 1, {0x000000, 0x000000, 0x000000, 0xffffff})),
            "\033P0;1q\"1;1;4;1#0;2;0;0;0#1;2;100;100;100#0@@@$#1???@\033\\");
}

TEST(SixelImageTest, TwoColoursShareAColumn) {
  // Row 0: red blue blue; row 1: blue blue red. Registers in order of first appearance.
  EXPECT_EQ(Sixel(Make(3, 2, {0xff0000, 0x0000ff, 0x0000ff, 0x0000ff, 0x0000ff, 0xff0000})),
            "\033P0;1q\"1;1;3;2#0;2;100;0;0#1;2;0;0;100#0@?A$#1AB@\033\\");
}

TEST(SixelImageTest, EmptyOrInconsistentInputGivesNothing) {
  EXPECT_EQ(Sixel(RgbImage{}), "");
  RgbImage bad = Make(2, 2, {0, 0, 0});  // 3 pixels for a 2x2 image
  EXPECT_EQ(Sixel(bad), "");
  PalettedImage p;
  p.width = p.height = 1;
  p.palette = {0};
  p.index = {1};  // no such register
  EXPECT_EQ(EncodeSixel(p), "");
}

TEST(SixelImageTest, FewColoursAreKeptExactly) {
  RgbImage im = Make(4, 3, {1, 2, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  PalettedImage q = QuantizeForSixel(im);
  EXPECT_EQ(q.palette, (std::vector<uint32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(q.index, (std::vector<uint8_t>{0, 1, 2, 0, 1, 2, 3, 4, 5, 6, 7, 8}));
  ExpectRoundTrip(q);
}

TEST(SixelImageTest, MedianCutKeepsAGradientClose) {
  // 40 x 40 with 1600 distinct colours: quantised to 256, deterministic, small errors.
  RgbImage im;
  im.width = im.height = 40;
  for (int y = 0; y < 40; ++y)
    for (int x = 0; x < 40; ++x) {
      im.pixels.push_back(uint8_t(x * 6));
      im.pixels.push_back(uint8_t(y * 6));
      im.pixels.push_back(uint8_t(255 - (x + y) * 3));
    }
  PalettedImage q = QuantizeForSixel(im);
  EXPECT_EQ(q.palette.size(), 256u);
  EXPECT_EQ(QuantizeForSixel(im).index, q.index);
  int worst = 0;
  for (size_t p = 0; p < q.index.size(); ++p) {
    uint32_t c = q.palette[q.index[p]];
    for (int ch = 0; ch < 3; ++ch)
      worst = std::max(worst, std::abs(int(uint8_t(c >> (16 - 8 * ch))) - im.pixels[3 * p + ch]));
  }
  // 1600 colours on a plane, 256 boxes: about 6 colours (a 2-3 step neighbourhood) per box.
  EXPECT_LE(worst, 12);
  ExpectNearest(im, q);
  ExpectRoundTrip(q);
}

TEST(SixelImageTest, PhotoRoundTrips) {
  auto rgb = DecodeRgb(std::string(QIMG_TESTDATA_DIR) + "/corpus/photos/photo-02.png");
  ASSERT_TRUE(rgb.ok()) << rgb.status().ToString();
  int h = std::max(1, rgb->height * 48 / rgb->width);
  RgbImage small = ResizePil(*rgb, 48, h, PilFilter::kBilinear);
  PalettedImage q = QuantizeForSixel(small);
  EXPECT_EQ(q.palette.size(), 256u);  // a photo has more colours than that
  ExpectNearest(small, q);
  ExpectRoundTrip(q);
}

}  // namespace
}  // namespace qimg
