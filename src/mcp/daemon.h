// `qimg mcp --http --daemon` and `qimg mcp stop` (SPEC §1.4 with §15.39 fixed): the daemon is
// the same binary re-executed detached; its pid file is locked (flock) by the running server,
// so a second start is refused and a stale file is recognised; stop signals only a process
// that really is a qimg MCP server.
#pragma once

#include <string>

#include "base/status.h"

namespace qimg::mcp {

struct DaemonOptions {
  std::string config_path;
  std::string host = "127.0.0.1";
  int port = 8181;
  int workers = 16;
  std::string pid_path;
};

// Starts the detached server and waits (up to 15 s) until it has bound the port and locked the
// pid file. Returns its pid; AlreadyExists when a server holds the pid file; IoError with the
// child's own message when it could not bind.
Result<int> StartDaemon(const DaemonOptions& options);

// "stopped pid N" after SIGTERM (waiting up to 5 s for it to exit), or "not running" when there
// is no pid file, or the recorded process is gone or is not a qimg MCP server (the stale pid
// file is then removed).
Result<std::string> StopDaemon(const std::string& pid_path);

}  // namespace qimg::mcp
