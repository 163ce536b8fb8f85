// `qimg mcp`: the MCP server over stdio (default) or Streamable HTTP (--http), optionally as a
// daemon (--http --daemon), and `qimg mcp stop` (SPEC §1.4, §11, with §15.39 fixed).
#include <cstdio>
#include <memory>
#include <string>

#include "cli/cli_state.h"
#include "mcp/dispatcher.h"
#include "mcp/engine_pool.h"
#include "mcp/qimg_tools.h"
#include "mcp/stdio_server.h"

namespace qimg {
namespace {

struct McpArgs {
  std::string action = "start";
  bool http = false;
  bool daemon = false;
  bool serve_only = false;  // set on the daemon's child: serve in the foreground
  std::string host = "127.0.0.1";
  int port = 8181;
  int workers = 16;
};

constexpr const char* kServerVersion = "0.2.0";

}  // namespace

void RegisterMcpCommands(CLI::App& app, CliState& state) {
  auto a = std::make_shared<McpArgs>();
  auto* mcp = app.add_subcommand("mcp", "MCP server for AI agents (stdio, or Streamable HTTP with --http)");
  mcp->add_option("action", a->action, "start (default) or stop");
  mcp->add_flag("--http", a->http, "serve Streamable HTTP on --host:--port instead of stdio");
  mcp->add_option("--host", a->host, "address to bind (loopback by default)")->capture_default_str();
  mcp->add_option("--port", a->port, "port to bind")->capture_default_str()->check(CLI::Range(0, 65535));
  mcp->add_option("--workers", a->workers, "HTTP worker threads")->capture_default_str()->check(CLI::Range(1, 256));
  mcp->add_flag("--daemon", a->daemon, "run the HTTP server in the background");
  mcp->add_flag("--serve-only", a->serve_only, "internal: serve in the foreground")->group("");
  mcp->callback([&state, a] {
    if (a->daemon && !a->http && a->action != "stop")
      throw CLI::ValidationError("--daemon", "--daemon currently requires --http");
    state.action = [&state, a]() -> int {
      auto config = state.LoadConfigFile();
      if (!config.ok()) return ReportError(config.status());
      mcp::ToolRegistry tools;
      mcp::RegisterQimgTools(&tools);
      if (a->http) return ReportError(Status::Unavailable("--http is not built yet"));
      auto pool = mcp::EnginePool::Open(*config, 1);
      if (!pool.ok()) return ReportError(pool.status());
      mcp::Dispatcher dispatcher(pool->get(), &tools, kServerVersion);
      return mcp::RunStdioServer(dispatcher, stdin, stdout);
    };
  });
}

}  // namespace qimg
