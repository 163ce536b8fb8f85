// Internal to media/: the one adapter over libvips' C API. Loaders are always called by name for
// the container we sniffed, so vips never picks a loader on its own.
#pragma once

#include <memory>
#include <string>

#include <vips/vips.h>

#include "base/status.h"
#include "media/image_file.h"

namespace qimg::media_internal {

struct GObjectUnref {
  void operator()(void* p) const {
    if (p) g_object_unref(p);
  }
};
using VipsImagePtr = std::unique_ptr<VipsImage, GObjectUnref>;

// Where encoded bytes come from: an open regular file or a caller-owned buffer that outlives
// every image loaded from it.
struct EncodedInput {
  int fd = -1;
  const std::string* bytes = nullptr;
};

struct LoadOptions {
  int jpeg_shrink = 1;      // 1, 2, 4 or 8 (JPEG only)
  double webp_scale = 1.0;  // (0, 1] (WebP only)
};

// Loads the header (pixels are decoded lazily, sequentially, on first use) with the loader for
// `container`. Truncated pixel data fails the later pixel read. Corrupt on a header error.
Result<VipsImagePtr> LoadVips(const EncodedInput& input, Container container,
                              const LoadOptions& options);

// Takes vips' (process-wide) error buffer as a Status with `what` in front.
Status VipsError(StatusCode code, const std::string& what);

}  // namespace qimg::media_internal
