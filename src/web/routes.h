// The gallery's HTTP routes, mounted on mcp's server (mcp::HttpOptions::mount), so `qimg serve`
// answers the page, its JSON API and /mcp on one port:
//   GET  /, /index.html          the page (static/index.html)
//   GET  /static/<name>          app.js, style.css (compiled in; no file-system lookups)
//   GET  /api/info               modes and features this build offers (api.h Capabilities)
//   GET  /api/search?q=&mode=&n=&offset=&collection=&path_prefix=&after=&before=&min_width=&min_height=
//   GET  /api/asset/<id>         detail view JSON
//   GET  /api/similar/<id>?n=    similar images (503 when this build has none)
//   GET  /api/thumb/<id>?size=256|1024   JPEG with ETag, Cache-Control; 304 on If-None-Match
//   POST /api/context            {"path", "text"}: the one mutating call
// <id> is an asset id, "#"-prefixed (URL-encoded as %23) or bare hex; anything else is 400,
// ids not indexed are 404. Files are read only from the database row's abs_path.
// Security beyond mcp's Origin/Host checks: POST /api/context needs an X-Qimg-Request header
// and a same-origin Origin (when sent), so a foreign page cannot forge it even via a loopback
// origin; every response carries a Content-Security-Policy without inline script,
// X-Content-Type-Options: nosniff and Cross-Origin-Resource-Policy: same-origin.
#pragma once

#include <string>

#include "mcp/engine_pool.h"

namespace httplib {
class Server;
}

namespace qimg::web {

struct WebOptions {
  std::string thumb_dir;  // where thumbnails are cached (<cache dir>/thumbs)
};

// Adds the routes. `pool` must outlive the server.
void MountWebRoutes(httplib::Server& server, mcp::EnginePool* pool, const WebOptions& options);

// The Content-Security-Policy every gallery response carries.
extern const char* const kContentSecurityPolicy;

}  // namespace qimg::web
