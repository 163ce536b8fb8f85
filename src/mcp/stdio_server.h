// MCP over stdio: newline-delimited JSON-RPC. Each line in is one message; each reply is one
// line out, flushed. Nothing but replies is written to `out` (logs go to stderr).
#pragma once

#include <cstdio>

#include "mcp/dispatcher.h"

namespace qimg::mcp {

// Serves until EOF or a line that is exactly `quit`, `exit` or `shutdown` (the legacy server's
// stop words). Blank lines are skipped. Returns 0.
int RunStdioServer(Dispatcher& dispatcher, std::FILE* in, std::FILE* out);

}  // namespace qimg::mcp
