#include "cli/terminal_preview.h"

#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "cli/sixel_image.h"
#include "media/decode.h"
#include "media/pil_resample.h"
#include "mcp/qimg_tools.h"

namespace qimg {
namespace {

bool Contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// Puts a terminal in non-canonical, no-echo mode (so the reply is neither line-buffered nor
// shown) for the object's lifetime. ISIG stays on: Ctrl-C still works.
class QuietTerminal {
 public:
  explicit QuietTerminal(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    quiet.c_cc[VMIN] = 0;
    quiet.c_cc[VTIME] = 0;
    active_ = ::tcsetattr(fd_, TCSANOW, &quiet) == 0;
  }
  ~QuietTerminal() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
  }
  QuietTerminal(const QuietTerminal&) = delete;
  QuietTerminal& operator=(const QuietTerminal&) = delete;
  bool active() const { return active_; }

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

// A complete DA1 reply is ESC [ ? ... c.
bool HasCompleteDa1(const std::string& s) {
  size_t start = s.find("\033[?");
  return start != std::string::npos && s.find('c', start) != std::string::npos;
}

// The RGB thumbnail (longer side max_side, never enlarged) via shrink-on-load where the format
// allows it, then PIL bilinear.
bool ThumbnailRgb(const std::string& path, int max_side, RgbImage* out) {
  auto rgb = DecodeRgb(path, max_side);
  if (!rgb.ok() || rgb->width <= 0 || rgb->height <= 0) return false;
  double scale = std::min(1.0, static_cast<double>(max_side) / std::max(rgb->width, rgb->height));
  int w = std::max(1, static_cast<int>(rgb->width * scale + 0.5));
  int h = std::max(1, static_cast<int>(rgb->height * scale + 0.5));
  *out = (w == rgb->width && h == rgb->height) ? std::move(*rgb)
                                               : ResizePil(*rgb, w, h, PilFilter::kBilinear);
  return true;
}

}  // namespace

ImageProtocol ChooseImageProtocol(const TerminalInfo& info,
                                  const std::function<std::string()>& query_da1,
                                  bool* bad_override) {
  if (bad_override) *bad_override = false;
  if (!info.stdout_tty) return ImageProtocol::kNone;
  const std::string& p = info.preview;
  if (p == "none") return ImageProtocol::kNone;
  if (p == "kitty") return ImageProtocol::kKitty;
  if (p == "iterm" || p == "iterm2") return ImageProtocol::kIterm2;
  if (p == "sixel") return ImageProtocol::kSixel;
  if (!p.empty() && p != "auto" && bad_override) *bad_override = true;

  if (!info.kitty_window_id.empty() || Contains(info.term, "kitty")) return ImageProtocol::kKitty;
  if (info.term_program == "iTerm.app" || info.term_program == "WezTerm") return ImageProtocol::kIterm2;
  for (std::string_view name : {"foot", "mlterm", "yaft", "contour"})
    if (Contains(info.term, name)) return ImageProtocol::kSixel;
  if (info.term_program == "mintty") return ImageProtocol::kSixel;
  if (info.stdin_tty && !info.term.empty() && info.term != "dumb" && query_da1 &&
      Da1ReportsSixel(query_da1()))
    return ImageProtocol::kSixel;
  return ImageProtocol::kNone;
}

bool Da1ReportsSixel(std::string_view reply) {
  size_t start = reply.find("\033[?");
  if (start == std::string_view::npos) return false;
  std::vector<long> params;
  bool any_digit = false;
  long value = 0;
  for (size_t i = start + 3; i < reply.size(); ++i) {
    char ch = reply[i];
    if (ch >= '0' && ch <= '9') {
      any_digit = true;
      value = std::min<long>(value * 10 + (ch - '0'), 100000);
      continue;
    }
    if (ch != ';' && ch != 'c') return false;
    if (!any_digit) return false;  // an empty parameter: not a reply we understand
    params.push_back(value);
    any_digit = false;
    value = 0;
    if (ch == 'c') return std::find(params.begin() + 1, params.end(), 4L) != params.end();
  }
  return false;  // truncated
}

std::string QueryPrimaryDeviceAttributes(int timeout_ms) {
  if (::isatty(STDIN_FILENO) != 1 || ::isatty(STDOUT_FILENO) != 1) return "";
  QuietTerminal quiet(STDIN_FILENO);
  if (!quiet.active()) return "";
  static constexpr char kQuery[] = "\033[c";
  size_t sent = 0;
  while (sent < sizeof(kQuery) - 1) {
    ssize_t n = ::write(STDOUT_FILENO, kQuery + sent, sizeof(kQuery) - 1 - sent);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return "";
    sent += static_cast<size_t>(n);
  }
  std::string reply;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!HasCompleteDa1(reply) && reply.size() < 512) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) break;
    pollfd pfd{STDIN_FILENO, POLLIN, 0};
    int r = ::poll(&pfd, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    char buf[128];
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
  }
  return HasCompleteDa1(reply) ? reply : "";
}

ImageProtocol DetectImageProtocol() {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  TerminalInfo info;
  info.stdout_tty = ::isatty(STDOUT_FILENO) == 1;
  info.stdin_tty = ::isatty(STDIN_FILENO) == 1;
  info.term = env("TERM");
  info.term_program = env("TERM_PROGRAM");
  info.kitty_window_id = env("KITTY_WINDOW_ID");
  info.preview = env("QIMG_PREVIEW");
  bool bad = false;
  ImageProtocol p = ChooseImageProtocol(info, [] { return QueryPrimaryDeviceAttributes(); }, &bad);
  static bool warned = false;
  if (bad && !warned) {
    warned = true;
    LogWarning("QIMG_PREVIEW=" + info.preview +
               " is not one of auto, kitty, iterm, sixel, none; detecting the terminal instead");
  }
  return p;
}

std::string InlineThumbnail(const std::string& path, ImageProtocol protocol, int max_side) {
  if (protocol == ImageProtocol::kNone || max_side < 8) return "";
  if (protocol == ImageProtocol::kIterm2) {
    auto jpeg = ThumbnailJpeg(path, max_side, 80);
    if (!jpeg.ok()) return "";
    return "\033]1337;File=inline=1;size=" + std::to_string(jpeg->size()) +
           ";preserveAspectRatio=1:" + mcp::Base64Encode(*jpeg) + "\a\n";
  }
  RgbImage small;
  if (!ThumbnailRgb(path, max_side, &small)) return "";
  if (protocol == ImageProtocol::kSixel) {
    std::string sixel = EncodeSixel(QuantizeForSixel(small));
    return sixel.empty() ? "" : sixel + "\n";
  }
  // kitty accepts PNG or raw pixels, not JPEG: send raw 24-bit RGB (f=24) in 4 KiB chunks.
  const int w = small.width, h = small.height;
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
