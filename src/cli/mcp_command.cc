// `qimg mcp`: the MCP server over stdio (default) or Streamable HTTP (--http), optionally as a
// daemon (--http --daemon), and `qimg mcp stop` (SPEC §1.4, §11, with §15.39 fixed).
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/cli_state.h"
#include "mcp/daemon.h"
#include "mcp/dispatcher.h"
#include "mcp/engine_pool.h"
#include "mcp/http_server.h"
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
  int ready_fd = -1;  // daemon child: where to report "bound" or the bind error
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
  mcp->add_option("--ready-fd", a->ready_fd, "internal: readiness pipe")->group("");
  mcp->callback([&state, a] {
    if (a->daemon && !a->http && a->action != "stop")
      throw CLI::ValidationError("--daemon", "--daemon currently requires --http");
    state.action = [&state, a]() -> int {
      auto config = state.LoadConfigFile();
      if (!config.ok()) return ReportError(config.status());
      if (a->action == "stop") {
        auto r = mcp::StopDaemon(config->pid_path);
        if (!r.ok()) return ReportError(r.status());
        Print(*r + "\n");
        return 0;
      }
      if (a->http && a->daemon && !a->serve_only) {
        mcp::DaemonOptions d;
        d.config_path = config->config_path;
        d.host = a->host;
        d.port = a->port;
        d.workers = a->workers;
        d.pid_path = config->pid_path;
        auto pid = mcp::StartDaemon(d);
        if (!pid.ok()) return ReportError(pid.status());
        Print("started daemon pid=" + std::to_string(*pid) + " http://" + a->host + ":" +
              std::to_string(a->port) + "\n");
        return 0;
      }
      mcp::ToolRegistry tools;
      mcp::RegisterQimgTools(&tools);
      if (a->http) {
        auto pool = mcp::EnginePool::Open(*config, a->workers);
        if (!pool.ok()) {
          if (a->ready_fd >= 0) {  // tell the waiting `--daemon` parent why
            std::string line = "error: " + pool.status().message() + "\n";
            ssize_t n = ::write(a->ready_fd, line.data(), line.size());
            (void)n;
          }
          return ReportError(pool.status());
        }
        mcp::Dispatcher dispatcher(pool->get(), &tools, kServerVersion);
        mcp::HttpOptions h;
        h.host = a->host;
        h.port = a->port;
        h.workers = a->workers;
        // The daemon child holds the pid file lock for as long as it serves.
        if (a->serve_only) {
          h.pid_path = config->pid_path;
          h.ready_fd = a->ready_fd;
        }
        Status s = mcp::RunHttpServer(dispatcher, h);
        if (!s.ok()) return ReportError(s);
        return 0;
      }
      auto pool = mcp::EnginePool::Open(*config, 1);
      if (!pool.ok()) return ReportError(pool.status());
      mcp::Dispatcher dispatcher(pool->get(), &tools, kServerVersion);
      return mcp::RunStdioServer(dispatcher, stdin, stdout);
    };
  });
}

}  // namespace qimg
