// `qimg serve`: the local web gallery (src/web) and the MCP endpoint on one loopback port.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "app/config.h"
#include "base/fs.h"
#include "cli/cli_state.h"
#include "mcp/dispatcher.h"
#include "mcp/engine_pool.h"
#include "mcp/http_server.h"
#include "mcp/qimg_tools.h"
#include "web/routes.h"

extern char** environ;

namespace qimg {
namespace {

struct ServeArgs {
  std::string host = "127.0.0.1";
  int port = 8181;
  int workers = 8;
  bool open = false;
};

constexpr const char* kServerVersion = "0.2.0";

// Asks the desktop to open the page; a missing xdg-open only costs the convenience.
void OpenInBrowser(const std::string& url) {
  const char* opener = "xdg-open";
#ifdef __APPLE__
  opener = "open";
#endif
  char* argv[] = {const_cast<char*>(opener), const_cast<char*>(url.c_str()), nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, opener, nullptr, nullptr, argv, environ) != 0) {
    std::fprintf(stderr, "qimg: could not start %s; open %s yourself\n", opener, url.c_str());
    return;
  }
  int status = 0;
  waitpid(pid, &status, 0);
}

}  // namespace

void RegisterServeCommands(CLI::App& app, CliState& state) {
  auto a = std::make_shared<ServeArgs>();
  auto* serve = app.add_subcommand("serve", "local web gallery (and /mcp) on --host:--port");
  serve->add_option("--host", a->host, "address to bind (loopback by default)")->capture_default_str();
  serve->add_option("--port", a->port, "port to bind")->capture_default_str()->check(CLI::Range(1, 65535));
  serve->add_option("--workers", a->workers, "engines serving requests in parallel")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  serve->add_flag("--open", a->open, "open the page in the default browser");
  serve->callback([&state, a] {
    state.action = [&state, a]() -> int {
      auto config = state.LoadConfigFile();
      if (!config.ok()) return ReportError(config.status());
      auto pool = mcp::EnginePool::Open(*config, a->workers);
      if (!pool.ok()) return ReportError(pool.status());
      mcp::ToolRegistry tools;
      mcp::RegisterQimgTools(&tools);
      mcp::Dispatcher dispatcher(pool->get(), &tools, kServerVersion);
      web::WebOptions web_options;
      web_options.thumb_dir = JoinPath(DefaultCacheDir(), "thumbs");
      mcp::HttpOptions h;
      h.host = a->host;
      h.port = a->port;
      h.workers = a->workers;
      mcp::EnginePool* engines = pool->get();
      h.mount = [engines, web_options](httplib::Server& server) {
        web::MountWebRoutes(server, engines, web_options);
      };
      std::string shown_host = a->host.find(':') != std::string::npos ? "[" + a->host + "]" : a->host;
      std::string url = "http://" + shown_host + ":" + std::to_string(a->port) + "/";
      std::fprintf(stderr, "qimg: gallery at %s (MCP at %smcp); Ctrl-C stops\n", url.c_str(), url.c_str());
      // RunHttpServer takes SIGINT/SIGTERM on one waiting thread; block them here already, so
      // the opener thread (inheriting this mask) can never be the one a Ctrl-C lands on.
      sigset_t stop_signals;
      sigemptyset(&stop_signals);
      sigaddset(&stop_signals, SIGTERM);
      sigaddset(&stop_signals, SIGINT);
      pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
      std::thread opener;
      if (a->open) opener = std::thread([url] {
        // The server binds within milliseconds; a browser that races it simply retries.
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        OpenInBrowser(url);
      });
      Status s = mcp::RunHttpServer(dispatcher, h);
      if (opener.joinable()) opener.join();
      if (!s.ok()) return ReportError(s);
      return 0;
    };
  });
}

}  // namespace qimg
