// Process-wide libvips / exiv2 setup. media/ is the only place that talks to libvips and exiv2
// (DESIGN §2); every public entry point of media/ calls InitMedia() itself, so callers only need
// it to surface a start-up failure early.
#pragma once

#include "base/status.h"

namespace qimg {

// Initialises libvips once per process (std::call_once, safe from any number of threads):
//  - blocks vips' "untrusted" loaders (ImageMagick, PDF, SVG, ...): only libjpeg, libpng,
//    libwebp, libtiff, libnsgif and libheif parse untrusted files; BMP has our own decoder;
//  - disables the vips operation cache (each file is decoded once; a cache only holds memory
//    and file descriptors) and sets vips' own concurrency to 1 (the indexer runs its own pool);
//  - routes vips/GLib warnings and exiv2 messages to qimg's log at debug level instead of stderr.
// Returns Ok on success and on every later call; Unavailable when VIPS_INIT failed (the failure
// is remembered and returned again: libvips cannot be initialised twice).
Status InitMedia();

}  // namespace qimg
