// `--preview`: small inline thumbnails in terminals that speak an image protocol (kitty's
// graphics protocol; iTerm2's inline images, also understood by WezTerm; DEC sixel). Anything
// else — a pipe, a plain terminal, --json/--files — gets no escape codes at all.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace qimg {

enum class ImageProtocol { kNone, kKitty, kIterm2, kSixel };

// What detection looks at, gathered by DetectImageProtocol (tests build it by hand).
struct TerminalInfo {
  bool stdout_tty = false;
  bool stdin_tty = false;
  std::string term;             // TERM
  std::string term_program;     // TERM_PROGRAM
  std::string kitty_window_id;  // KITTY_WINDOW_ID
  std::string preview;          // QIMG_PREVIEW: "", auto, kitty, iterm, sixel or none
};

// The protocol for `info`, in this order:
//  - stdout not a terminal, or QIMG_PREVIEW=none: kNone;
//  - QIMG_PREVIEW=kitty|iterm|sixel: that protocol (the user knows their terminal);
//  - kitty (KITTY_WINDOW_ID, TERM containing "kitty"), then iTerm2 (TERM_PROGRAM iTerm.app or
//    WezTerm), then sixel by name (TERM containing foot, mlterm, yaft or contour; TERM_PROGRAM
//    mintty);
//  - otherwise, when stdin is a terminal too and TERM is set and not "dumb", `query_da1` is
//    called once and the terminal draws sixel when Da1ReportsSixel(its reply);
//  - kNone.
// An unrecognised QIMG_PREVIEW value counts as "auto"; *bad_override (if given) is set then.
ImageProtocol ChooseImageProtocol(const TerminalInfo& info,
                                  const std::function<std::string()>& query_da1,
                                  bool* bad_override = nullptr);

// True when `reply` holds a Primary Device Attributes report, ESC [ ? Pc ; Pa ; ... c, whose
// attributes (every parameter after the first, which is the terminal class) include 4 (sixel).
// Anything else — no reply, a truncated or garbled one, 8-bit CSI — is false.
bool Da1ReportsSixel(std::string_view reply);

// Sends ESC [ c to stdout and reads the reply from stdin in non-canonical, no-echo mode for at
// most timeout_ms, restoring the terminal settings on every path. "" when either is not a
// terminal, the settings cannot be changed, or nothing complete arrives in time.
std::string QueryPrimaryDeviceAttributes(int timeout_ms = 150);

// ChooseImageProtocol over the real environment, stdin/stdout and the real DA1 query; warns
// once on stderr about an unrecognised QIMG_PREVIEW.
ImageProtocol DetectImageProtocol();

// The escape sequence drawing the image at `path` (an indexed asset's file) scaled to fit
// max_side pixels, followed by a newline; "" when it cannot be decoded or protocol is kNone.
std::string InlineThumbnail(const std::string& path, ImageProtocol protocol, int max_side = 160);

}  // namespace qimg
