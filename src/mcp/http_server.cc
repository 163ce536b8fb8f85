#include "mcp/http_server.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "base/log.h"
#include "base/text.h"
#include "mcp/json_rpc.h"

namespace qimg::mcp {
namespace {

constexpr const char* kJson = "application/json";

struct SessionEntry {
  std::mutex mu;
  Session session;
  std::chrono::steady_clock::time_point last_used;
};

class SessionTable {
 public:
  explicit SessionTable(size_t cap) : cap_(cap) {}

  std::string Add(const Session& s) {
    std::string id = NewId();
    auto e = std::make_shared<SessionEntry>();
    e->session = s;
    e->last_used = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(mu_);
    if (table_.size() >= cap_) {
      auto oldest = table_.begin();
      for (auto it = table_.begin(); it != table_.end(); ++it)
        if (it->second->last_used < oldest->second->last_used) oldest = it;
      table_.erase(oldest);
    }
    table_[id] = e;
    return id;
  }
  std::shared_ptr<SessionEntry> Find(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = table_.find(id);
    if (it == table_.end()) return nullptr;
    it->second->last_used = std::chrono::steady_clock::now();
    return it->second;
  }
  bool Remove(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    return table_.erase(id) > 0;
  }

 private:
  // 128 random bits as hex: visible ASCII as the transport requires, and unguessable.
  std::string NewId() {
    std::lock_guard<std::mutex> lock(rng_mu_);
    static const char* kHex = "0123456789abcdef";
    std::string id;
    for (int i = 0; i < 4; ++i) {
      uint32_t v = rd_();
      for (int k = 0; k < 8; ++k) id.push_back(kHex[(v >> (4 * k)) & 15]);
    }
    return id;
  }

  size_t cap_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<SessionEntry>> table_;
  std::mutex rng_mu_;
  std::random_device rd_;
};

void SendJson(httplib::Response& res, int status, const ojson& body) {
  res.status = status;
  res.set_content(DumpWireJson(body), kJson);
}

// A JSON-RPC error body for transport-level refusals (the id is unknown at that point).
void SendRpcError(httplib::Response& res, int status, int code, const std::string& message) {
  SendJson(res, status, RpcError(nullptr, code, message));
}

std::string HostPart(std::string host) {
  if (!host.empty() && host[0] == '[') {
    auto end = host.find(']');
    return end == std::string::npos ? host : host.substr(1, end - 1);
  }
  auto colon = host.find(':');
  if (colon != std::string::npos && host.find(':', colon + 1) == std::string::npos)
    host = host.substr(0, colon);
  return host;
}

bool IsLoopbackName(const std::string& h) {
  std::string host = ToLowerAscii(h);
  return host == "localhost" || host == "::1" || StartsWith(host, "127.") ||
         EndsWith(host, ".localhost");
}

bool IsLoopbackBind(const std::string& host) { return IsLoopbackName(host); }

void WriteReady(int fd, const std::string& line) {
  if (fd < 0) return;
  ssize_t n = ::write(fd, line.data(), line.size());
  (void)n;
  ::close(fd);
}

// Holds an exclusive flock on the pid file for as long as the server runs, so a second server
// (or `mcp stop` finding a stale file) can tell whether the recorded process is alive.
class PidFile {
 public:
  Status Acquire(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return Status::IoError("cannot open pid file " + path);
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      fd_ = -1;
      return Status::AlreadyExists("an MCP server already holds " + path);
    }
    std::string pid = std::to_string(::getpid());
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) != ssize_t(pid.size()))
      return Status::IoError("cannot write pid file " + path);
    path_ = path;
    return Status::Ok();
  }
  ~PidFile() {
    if (fd_ < 0) return;
    ::unlink(path_.c_str());
    ::close(fd_);
  }

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace

bool IsLoopbackHost(const std::string& host_header) { return IsLoopbackName(HostPart(host_header)); }

bool IsLoopbackOrigin(const std::string& origin) {
  auto scheme = origin.find("://");
  if (scheme == std::string::npos) return false;
  std::string rest = origin.substr(scheme + 3);
  auto slash = rest.find('/');
  if (slash != std::string::npos) rest = rest.substr(0, slash);
  return IsLoopbackHost(rest);
}

Status RunHttpServer(Dispatcher& dispatcher, const HttpOptions& options) {
  // Signals are taken by one waiting thread; every server thread inherits the blocked mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  httplib::Server svr;
  SessionTable sessions(options.max_sessions);
  const bool loopback_bind = IsLoopbackBind(options.host);
  // httplib parks a thread on each keep-alive connection, so connection threads far outnumber
  // the engines (which bound the real parallel work).
  const int threads = std::max(8, options.workers * 8);
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_payload_max_length(options.max_body_bytes);
  svr.set_keep_alive_max_count(1000);
  svr.set_keep_alive_timeout(2);
  svr.set_default_headers({{"Server", "qimg-mcp/0.2.0"}});
  // httplib's default adds SO_REUSEPORT, which would let a second server share our port
  // silently; SO_REUSEADDR alone still allows a quick restart.
  svr.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });

  svr.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    if (req.has_header("Origin") && !IsLoopbackOrigin(req.get_header_value("Origin"))) {
      SendRpcError(res, 403, kInvalidRequest, "Forbidden: origin not allowed");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (loopback_bind && req.has_header("Host") && !IsLoopbackHost(req.get_header_value("Host"))) {
      SendRpcError(res, 403, kInvalidRequest, "Forbidden: host not allowed");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  svr.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, ojson::parse(R"({"ok": true})"));
  });
  svr.Get("/mcp", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Allow", "POST, DELETE");
    SendRpcError(res, 405, kInvalidRequest, "Method Not Allowed: this server opens no SSE stream");
  });
  svr.Delete("/mcp", [&](const httplib::Request& req, httplib::Response& res) {
    std::string id = req.get_header_value("Mcp-Session-Id");
    if (id.empty()) return SendRpcError(res, 400, kInvalidRequest, "Bad Request: Mcp-Session-Id header is required");
    if (!sessions.Remove(id)) return SendRpcError(res, 404, kInvalidRequest, "Session not found");
    res.status = 200;
  });
  svr.Post("/mcp", [&](const httplib::Request& req, httplib::Response& res) {
    auto parsed = ParseWireJson(req.body);
    if (!parsed.ok()) return SendJson(res, 400, Dispatcher::ParseErrorReply(req.body));
    const ojson& msg = *parsed;
    if (IsLegacyEnvelope(msg)) {  // SPEC §11.1 clients: no session, no protocol headers
      Session legacy;
      auto reply = dispatcher.Handle(legacy, msg);
      return SendJson(res, 200, reply ? *reply : ojson::object());
    }
    std::string version = req.get_header_value("MCP-Protocol-Version");
    if (!version.empty() && !IsSupportedProtocolVersion(version))
      return SendRpcError(res, 400, kInvalidRequest, "Bad Request: unsupported MCP-Protocol-Version " + version);

    bool is_initialize = msg.is_object() && msg.contains("method") && msg["method"] == "initialize";
    if (is_initialize) {
      Session fresh;
      auto reply = dispatcher.Handle(fresh, msg);
      if (reply && reply->contains("result")) res.set_header("Mcp-Session-Id", sessions.Add(fresh));
      return SendJson(res, 200, reply ? *reply : ojson::object());
    }
    std::string sid = req.get_header_value("Mcp-Session-Id");
    if (sid.empty()) return SendRpcError(res, 400, kInvalidRequest, "Bad Request: Mcp-Session-Id header is required");
    auto entry = sessions.Find(sid);
    if (!entry) return SendRpcError(res, 404, kInvalidRequest, "Session not found");
    if (!version.empty() && version != entry->session.protocol_version)
      return SendRpcError(res, 400, kInvalidRequest, "Bad Request: MCP-Protocol-Version does not match the session");
    // Requests of one session run in parallel on a copy; the few state changes (initialized,
    // log level) are merged back.
    Session s;
    {
      std::lock_guard<std::mutex> lock(entry->mu);
      s = entry->session;
    }
    auto reply = dispatcher.Handle(s, msg);
    {
      std::lock_guard<std::mutex> lock(entry->mu);
      entry->session.initialized = entry->session.initialized || s.initialized;
      entry->session.log_level = s.log_level;
    }
    if (!reply) {
      res.status = 202;
      return;
    }
    SendJson(res, 200, *reply);
  });
  if (options.mount) options.mount(svr);
  svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413) return SendJson(res, 413, ojson::parse(R"({"ok": false, "error": "request body too large"})"));
    if (res.status == 404) return SendJson(res, 404, ojson::parse(R"({"ok": false, "error": "not found"})"));
  });

  if (!svr.bind_to_port(options.host, options.port)) {
    Status s = Status::IoError("cannot bind " + options.host + ":" + std::to_string(options.port) +
                               " (address in use or not available)");
    WriteReady(options.ready_fd, "error: " + s.message() + "\n");
    return s;
  }
  PidFile pid_file;
  if (!options.pid_path.empty()) {
    Status s = pid_file.Acquire(options.pid_path);
    if (!s.ok()) {
      WriteReady(options.ready_fd, "error: " + s.message() + "\n");
      return s;
    }
  }
  std::atomic<bool> signalled{false};
  std::thread stopper([&svr, &signalled, stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    signalled = true;
    svr.stop();
  });
  LogInfo("mcp: serving http://" + options.host + ":" + std::to_string(options.port) + "/mcp");
  WriteReady(options.ready_fd, "ok\n");
  bool ok = svr.listen_after_bind();
  // When listen ended on its own (not by a signal), wake the waiting thread.
  if (!signalled) pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  return ok || signalled ? Status::Ok() : Status::IoError("the HTTP server stopped unexpectedly");
}

}  // namespace qimg::mcp
