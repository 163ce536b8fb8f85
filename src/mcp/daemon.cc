#include "mcp/daemon.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "base/text.h"

namespace qimg::mcp {
namespace {

// True when someone holds the pid file's lock, i.e. a server is running.
bool PidFileLocked(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  ::close(fd);
  return locked;
}

std::optional<int> ReadPid(const std::string& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text = Trim(text);
  if (text.empty() || text.size() > 9) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  int pid = std::stoi(text);
  return pid > 1 ? std::optional<int>(pid) : std::nullopt;
}

// argv of a live process, from /proc/<pid>/cmdline.
std::vector<std::string> ProcessArgs(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::string cur;
  for (char c : raw) {
    if (c == '\0') {
      args.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) args.push_back(cur);
  return args;
}

bool IsQimgMcpServer(int pid) {
  auto args = ProcessArgs(pid);
  if (args.empty()) return false;
  std::string exe = args[0].substr(args[0].rfind('/') == std::string::npos ? 0 : args[0].rfind('/') + 1);
  bool mcp = false, http = false;
  for (const auto& a : args) {
    mcp = mcp || a == "mcp";
    http = http || a == "--http";
  }
  return StartsWith(exe, "qimg") && mcp && http;
}

}  // namespace

Result<int> StartDaemon(const DaemonOptions& o) {
  if (PidFileLocked(o.pid_path)) {
    auto pid = ReadPid(o.pid_path);
    return Status::AlreadyExists("an MCP server is already running" +
                                 (pid ? " (pid " + std::to_string(*pid) + ")" : std::string()) +
                                 "; stop it with `qimg mcp stop`");
  }
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) return Status::IoError("cannot find the qimg executable");
  exe[n] = '\0';
  int ready[2];
  if (::pipe(ready) != 0) return Status::IoError("pipe failed");
  std::vector<std::string> args = {exe, "--config", o.config_path, "mcp", "start", "--http",
                                   "--host", o.host, "--port", std::to_string(o.port),
                                   "--workers", std::to_string(o.workers), "--serve-only",
                                   "--ready-fd", std::to_string(ready[1])};
  pid_t pid = ::fork();
  if (pid < 0) return Status::IoError("fork failed");
  if (pid == 0) {
    // Child: own session, no terminal, stdio on /dev/null; keeps only the ready pipe's write end.
    ::close(ready[0]);
    ::setsid();
    int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      ::dup2(null_fd, 0);
      ::dup2(null_fd, 1);
      ::dup2(null_fd, 2);
      if (null_fd > 2) ::close(null_fd);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(exe, argv.data());
    ::_exit(127);
  }
  ::close(ready[1]);
  std::string reply;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) break;
    pollfd p{ready[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    char buf[512];
    ssize_t got = ::read(ready[0], buf, sizeof(buf));
    if (got <= 0) break;
    reply.append(buf, static_cast<size_t>(got));
    if (reply.find('\n') != std::string::npos) break;
  }
  ::close(ready[0]);
  reply = Trim(reply);
  if (reply == "ok") return static_cast<int>(pid);
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  if (StartsWith(reply, "error: ")) return Status::IoError(reply.substr(7));
  return Status::IoError("the MCP server did not start (no answer within 15 s)");
}

Result<std::string> StopDaemon(const std::string& pid_path) {
  struct stat st;
  if (::stat(pid_path.c_str(), &st) != 0) return std::string("not running");
  auto pid = ReadPid(pid_path);
  bool alive = pid && ::kill(*pid, 0) == 0;
  if (!pid || !alive || !PidFileLocked(pid_path) || !IsQimgMcpServer(*pid)) {
    ::unlink(pid_path.c_str());  // stale: nobody holds it, or the pid now belongs to another program
    return std::string("not running");
  }
  ::kill(*pid, SIGTERM);
  for (int i = 0; i < 100 && ::kill(*pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ::unlink(pid_path.c_str());
  return "stopped pid " + std::to_string(*pid);
}

}  // namespace qimg::mcp
