#include "media/bmp_decoder.h"

#include <array>
#include <bit>
#include <cstdint>
#include <string>

#include "media/probe.h"

namespace qimg::media_internal {
namespace {

uint32_t U16(std::string_view d, size_t at) {
  return uint32_t(uint8_t(d[at])) | (uint32_t(uint8_t(d[at + 1])) << 8);
}
uint32_t U32(std::string_view d, size_t at) { return U16(d, at) | (U16(d, at + 2) << 16); }

struct Layout {
  BmpInfo info;
  uint32_t pixel_offset = 0;
  uint32_t compression = 0;
  size_t palette_offset = 0;
  int palette_entry_size = 4;
  uint32_t palette_count = 0;
  std::array<uint32_t, 4> masks{};  // r, g, b, a
};

Result<Layout> ParseLayout(std::string_view d) {
  if (d.size() < 26 || d.substr(0, 2) != "BM") return Status::Corrupt("not a BMP file");
  Layout l;
  l.pixel_offset = U32(d, 10);
  const uint32_t dib = U32(d, 14);
  int64_t w = 0, h = 0;
  uint32_t bpp = 0;
  if (dib == 12) {
    w = U16(d, 18);
    h = U16(d, 20);
    bpp = U16(d, 24);
    l.palette_entry_size = 3;
  } else if (dib >= 40 && dib <= 124) {
    if (d.size() < 14 + 40) return Status::Corrupt("truncated BMP header");
    w = static_cast<int32_t>(U32(d, 18));
    h = static_cast<int32_t>(U32(d, 22));
    bpp = U16(d, 28);
    l.compression = U32(d, 30);
    l.palette_count = U32(d, 46);
  } else {
    return Status::Corrupt("unknown BMP header size " + std::to_string(dib));
  }
  l.info.top_down = h < 0;
  if (h < 0) h = -h;
  if (w <= 0 || h <= 0) return Status::Corrupt("BMP has no pixels");
  if (w > (int64_t{1} << 30) || h > (int64_t{1} << 30)) {
    return Status::ResourceExhausted("BMP dimensions too large");
  }
  l.info.width = static_cast<int>(w);
  l.info.height = static_cast<int>(h);
  l.info.bits_per_pixel = static_cast<int>(bpp);
  if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32) {
    return Status::Corrupt("unsupported BMP bit depth " + std::to_string(bpp));
  }
  // 0 = BI_RGB, 3 = BI_BITFIELDS, 6 = BI_ALPHABITFIELDS; RLE and embedded JPEG/PNG are rare.
  if (l.compression != 0 && l.compression != 3 && l.compression != 6) {
    return Status::Unavailable("compressed BMP (method " + std::to_string(l.compression) +
                               ") is not supported");
  }
  if (bpp == 16) {
    l.masks = {0x7C00, 0x03E0, 0x001F, 0};
  } else if (bpp == 32) {
    l.masks = {0x00FF0000, 0x0000FF00, 0x000000FF, 0};
  }
  if (l.compression == 3 || l.compression == 6) {
    if (bpp != 16 && bpp != 32) return Status::Corrupt("BMP bit fields need 16 or 32 bits");
    // Masks follow a 40-byte header, or sit inside the V2+ header at the same place.
    if (d.size() < 14 + 40 + 12) return Status::Corrupt("truncated BMP masks");
    l.masks[0] = U32(d, 54);
    l.masks[1] = U32(d, 58);
    l.masks[2] = U32(d, 62);
    if ((l.compression == 6 || dib >= 56) && d.size() >= 70) l.masks[3] = U32(d, 66);
  }
  l.info.has_alpha = bpp == 32 && l.masks[3] != 0;
  l.palette_offset = 14 + dib;
  if (dib == 40 && l.compression == 3) l.palette_offset += 12;
  if (dib == 40 && l.compression == 6) l.palette_offset += 16;
  if (bpp <= 8) {
    if (l.palette_count == 0 || l.palette_count > (1u << bpp)) l.palette_count = 1u << bpp;
  }
  return l;
}

// Extracts a masked channel and scales it to 8 bits.
uint8_t MaskedChannel(uint32_t pixel, uint32_t mask) {
  if (mask == 0) return 0;
  int shift = std::countr_zero(mask);
  uint32_t max = mask >> shift;
  uint32_t v = (pixel & mask) >> shift;
  return static_cast<uint8_t>((v * 255 + max / 2) / max);
}

}  // namespace

Result<BmpInfo> ReadBmpInfo(std::string_view data) {
  QIMG_ASSIGN_OR_RETURN(Layout l, ParseLayout(data));
  return l.info;
}

Result<RgbImage> DecodeBmp(std::string_view d) {
  QIMG_ASSIGN_OR_RETURN(Layout l, ParseLayout(d));
  const int w = l.info.width, h = l.info.height, bpp = l.info.bits_per_pixel;
  if (int64_t{w} * h > kMaxImagePixels) {
    return Status::ResourceExhausted("image too large: " + std::to_string(w) + "x" +
                                     std::to_string(h));
  }
  const uint64_t stride = ((uint64_t(bpp) * w + 31) / 32) * 4;
  if (l.pixel_offset > d.size() || stride * h > d.size() - l.pixel_offset) {
    return Status::Corrupt("truncated BMP pixel data");
  }
  std::array<std::array<uint8_t, 3>, 256> palette{};
  if (bpp <= 8) {
    for (uint32_t i = 0; i < l.palette_count; ++i) {
      size_t at = l.palette_offset + size_t(i) * l.palette_entry_size;
      if (at + 3 > d.size()) return Status::Corrupt("truncated BMP palette");
      palette[i] = {uint8_t(d[at + 2]), uint8_t(d[at + 1]), uint8_t(d[at])};
    }
  }
  RgbImage img;
  img.width = w;
  img.height = h;
  img.pixels.resize(size_t(w) * h * 3);
  for (int y = 0; y < h; ++y) {
    const int src_row = l.info.top_down ? y : h - 1 - y;
    const auto* row = reinterpret_cast<const uint8_t*>(d.data() + l.pixel_offset + stride * src_row);
    uint8_t* out = img.pixels.data() + size_t(y) * w * 3;
    for (int x = 0; x < w; ++x, out += 3) {
      switch (bpp) {
        case 1: case 4: case 8: {
          const int per_byte = 8 / bpp;
          const uint8_t byte = row[x / per_byte];
          const int shift = (per_byte - 1 - x % per_byte) * bpp;
          const uint32_t index = (byte >> shift) & ((1u << bpp) - 1);
          const auto& c = palette[index < l.palette_count ? index : 0];
          out[0] = c[0]; out[1] = c[1]; out[2] = c[2];
          break;
        }
        case 16: {
          uint32_t p = uint32_t(row[2 * x]) | (uint32_t(row[2 * x + 1]) << 8);
          out[0] = MaskedChannel(p, l.masks[0]);
          out[1] = MaskedChannel(p, l.masks[1]);
          out[2] = MaskedChannel(p, l.masks[2]);
          break;
        }
        case 24:
          out[0] = row[3 * x + 2]; out[1] = row[3 * x + 1]; out[2] = row[3 * x];
          break;
        case 32: {
          const uint8_t* p4 = row + 4 * x;
          uint32_t p = uint32_t(p4[0]) | (uint32_t(p4[1]) << 8) | (uint32_t(p4[2]) << 16) |
                       (uint32_t(p4[3]) << 24);
          out[0] = MaskedChannel(p, l.masks[0]);
          out[1] = MaskedChannel(p, l.masks[1]);
          out[2] = MaskedChannel(p, l.masks[2]);
          break;
        }
      }
    }
  }
  return img;
}

}  // namespace qimg::media_internal
