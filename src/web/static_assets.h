// The gallery's static files (src/web/static/), compiled into the binary by embed_static.cmake.
#pragma once

#include <string_view>

namespace qimg::web {

struct StaticAsset {
  std::string_view path;          // "/index.html", "/app.js", ... (relative to static/)
  std::string_view content_type;  // with charset for text
  std::string_view body;
};

// The file at exactly this path, or nullptr. Only the compiled-in table is consulted, so no
// request path ever reaches the file system.
const StaticAsset* FindStaticAsset(std::string_view path);

}  // namespace qimg::web
