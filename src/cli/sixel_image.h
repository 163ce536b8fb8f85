// Sixel (DEC's bitmap graphics, drawn by xterm -ti vt340, foot, mlterm, WezTerm, mintty,
// contour, Konsole...) for `--preview`: an RGB thumbnail quantised to at most 256 colours and
// written as one DCS string.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "media/image.h"

namespace qimg {

// An image as palette indices: index.size() == width * height, every index < palette.size(),
// palette holds packed 0xRRGGBB colours, at most kMaxSixelColors of them.
struct PalettedImage {
  int width = 0;
  int height = 0;
  std::vector<uint32_t> palette;
  std::vector<uint8_t> index;
};

inline constexpr int kMaxSixelColors = 256;

// Deterministic quantiser. When the image has at most kMaxSixelColors distinct colours, the
// palette is exactly those colours in order of first appearance (row-major) and nothing is
// lost. Otherwise median cut: the box whose widest channel range is largest is split at the
// pixel-weighted median of that channel until there are kMaxSixelColors boxes; each palette
// colour is its box's pixel-weighted mean, and every pixel maps to its nearest palette colour
// (squared RGB distance, lowest index on ties). No dithering: thumbnails are small and the
// adaptive palette keeps gradients smooth enough. An empty image gives an empty result.
PalettedImage QuantizeForSixel(const RgbImage& image);

// The complete sixel string for `image`: ESC P 0;1 q (P2 = 1: bits not set stay transparent,
// so the rows past the image's height in the last band are never painted), raster attributes
// "1;1;w;h, one colour register #i;2;r;g;b per palette entry (0-100 scale, rounded), then bands
// of six rows: per colour used in the band "#i" and one character 63 + bits per column, with
// trailing empty columns dropped and runs of four or more written as !n<char>; "$" returns to
// the band's start between colours, "-" moves to the next band; ESC \ ends it. "" for an
// empty image.
std::string EncodeSixel(const PalettedImage& image);

// The sixel colour component (0-100) for an 8-bit value, and back (as terminals scale it).
inline int SixelPercent(uint8_t v) { return (v * 100 + 127) / 255; }

}  // namespace qimg
