#include "media/orientation.h"

#include <cstddef>
#include <utility>

namespace qimg::media_internal {

RgbImage ApplyOrientation(RgbImage in, int orientation) {
  if (orientation < 2 || orientation > 8) return in;
  const int w = in.width, h = in.height;
  const bool swap = OrientationSwapsSides(orientation);
  RgbImage out;
  out.width = swap ? h : w;
  out.height = swap ? w : h;
  out.pixels.resize(in.pixels.size());
  // For each display pixel (x, y), the stored pixel it shows.
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      int sx = x, sy = y;
      switch (orientation) {
        case 2: sx = w - 1 - x; sy = y; break;
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;
        case 4: sx = x; sy = h - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = h - 1 - x; break;
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;
        case 8: sx = w - 1 - y; sy = x; break;
      }
      const uint8_t* s = in.pixels.data() + (size_t(sy) * w + sx) * 3;
      uint8_t* d = out.pixels.data() + (size_t(y) * out.width + x) * 3;
      d[0] = s[0]; d[1] = s[1]; d[2] = s[2];
    }
  }
  return out;
}

}  // namespace qimg::media_internal
