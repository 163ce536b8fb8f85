// `--preview`: small inline thumbnails in terminals that speak an image protocol (kitty's
// graphics protocol; iTerm2's inline images, also understood by WezTerm). Anything else — a
// pipe, a plain terminal, --json/--files — gets no escape codes at all.
#pragma once

#include <string>

namespace qimg {

enum class ImageProtocol { kNone, kKitty, kIterm2 };

// From the environment (KITTY_WINDOW_ID / TERM=xterm-kitty; TERM_PROGRAM=iTerm.app or WezTerm),
// and only when stdout is a terminal.
ImageProtocol DetectImageProtocol();

// The escape sequence drawing the image at `path` (an indexed asset's file) scaled to fit
// max_side pixels, followed by a newline; "" when it cannot be decoded or protocol is kNone.
std::string InlineThumbnail(const std::string& path, ImageProtocol protocol, int max_side = 160);

}  // namespace qimg
