#include "cli/terminal_preview.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "media/decode.h"
#include "media/pil_resample.h"
#include "mcp/qimg_tools.h"

namespace qimg {

ImageProtocol DetectImageProtocol() {
  if (::isatty(STDOUT_FILENO) != 1) return ImageProtocol::kNone;
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  if (!env("KITTY_WINDOW_ID").empty() || env("TERM").find("kitty") != std::string::npos)
    return ImageProtocol::kKitty;
  std::string program = env("TERM_PROGRAM");
  if (program == "iTerm.app" || program == "WezTerm") return ImageProtocol::kIterm2;
  return ImageProtocol::kNone;
}

std::string InlineThumbnail(const std::string& path, ImageProtocol protocol, int max_side) {
  if (protocol == ImageProtocol::kNone || max_side < 8) return "";
  if (protocol == ImageProtocol::kIterm2) {
    auto jpeg = ThumbnailJpeg(path, max_side, 80);
    if (!jpeg.ok()) return "";
    return "\033]1337;File=inline=1;size=" + std::to_string(jpeg->size()) +
           ";preserveAspectRatio=1:" + mcp::Base64Encode(*jpeg) + "\a\n";
  }
  // kitty accepts PNG or raw pixels, not JPEG: send raw 24-bit RGB (f=24) in 4 KiB chunks.
  auto rgb = DecodeRgb(path, max_side);
  if (!rgb.ok() || rgb->width <= 0 || rgb->height <= 0) return "";
  double scale = std::min(1.0, static_cast<double>(max_side) / std::max(rgb->width, rgb->height));
  int w = std::max(1, static_cast<int>(rgb->width * scale + 0.5));
  int h = std::max(1, static_cast<int>(rgb->height * scale + 0.5));
  RgbImage small = (w == rgb->width && h == rgb->height) ? *rgb : ResizePil(*rgb, w, h, PilFilter::kBilinear);
  std::string raw(reinterpret_cast<const char*>(small.pixels.data()), small.pixels.size());
  std::string b64 = mcp::Base64Encode(raw);
  std::string out;
  constexpr size_t kChunk = 4096;
  for (size_t off = 0; off < b64.size(); off += kChunk) {
    bool last = off + kChunk >= b64.size();
    out += "\033_G";
    if (off == 0) out += "a=T,f=24,s=" + std::to_string(w) + ",v=" + std::to_string(h) + ",";
    out += std::string("m=") + (last ? "0" : "1") + ";";
    out += std::string_view(b64).substr(off, kChunk);
    out += "\033\\";
  }
  return out + "\n";
}

}  // namespace qimg
