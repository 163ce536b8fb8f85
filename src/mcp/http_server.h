// MCP Streamable HTTP transport (protocol 2025-03-26 .. 2025-11-25), JSON responses only:
//   POST /mcp     one message or (2025-03-26 sessions) a batch; 200 + JSON, or 202 when only
//                 notifications/responses were sent. `initialize` opens a session and returns
//                 its Mcp-Session-Id; later requests must carry it (400 without, 404 unknown).
//                 A legacy {"tool", "args"} envelope needs no session.
//   DELETE /mcp   ends the session named by Mcp-Session-Id.
//   GET /mcp      405: the server never opens a stream of its own.
//   GET /health   {"ok": true}
// Security: binds loopback by default; rejects a non-loopback Origin (403) and, when bound to
// loopback, a Host that is not a loopback name (403), which together stop DNS rebinding; bodies
// over max_body_bytes get 413.
#pragma once

#include <functional>
#include <string>

#include "base/status.h"
#include "mcp/dispatcher.h"

namespace httplib {
class Server;
}

namespace qimg::mcp {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8181;
  int workers = 16;                      // engines working in parallel (x8 connection threads)
  size_t max_body_bytes = 4u << 20;      // 4 MiB
  size_t max_sessions = 4096;            // the least recently used is dropped beyond this
  std::string pid_path;                  // when set: write our pid there, holding a flock
  int ready_fd = -1;                     // when >= 0: write "ok\n" or "error: ...\n" once bound
  // Extra routes on the same server and port (the web gallery, src/web), added after the MCP
  // routes and before binding. They sit behind the same Origin/Host checks and body limit.
  std::function<void(httplib::Server&)> mount;
};

// Serves until SIGTERM or SIGINT. Returns an error when the port cannot be bound or the pid
// file is locked by another server.
Status RunHttpServer(Dispatcher& dispatcher, const HttpOptions& options);

// True for localhost, 127.x.y.z, ::1 and [::1] (an optional :port is ignored).
bool IsLoopbackHost(const std::string& host_header);
// True when an Origin header value names a loopback host (http(s)://localhost:PORT, ...).
bool IsLoopbackOrigin(const std::string& origin);

}  // namespace qimg::mcp
