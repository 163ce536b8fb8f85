#include "tests/web/web_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "store/database.h"
#include "store/fact_store.h"
#include "store/lexical_store.h"

namespace qimg::testing {
namespace fs = std::filesystem;

std::string BuildWebFixture(const CliSandbox& sb) {
  const std::string lib = sb.dir() + "/lib";
  const std::vector<std::pair<std::string, std::string>> files = {
      {"trips/kyoto/temple.jpg", "photos/photo-04.jpg"},
      {"trips/kyoto/garden.jpg", "photos/photo-08.jpg"},
      {"trips/kyoto/street.jpg", "photos/photo-10.jpg"},
      {"pets/cat.jpg", "photos/photo-11.jpg"},
      {"pets/dog.jpg", "photos/photo-12.jpg"},
      {"pets/<img src=x onerror=alert(1)>.jpg", "photos/photo-13.jpg"},
  };
  std::error_code ec;
  for (const auto& [dst, src] : files) {
    fs::create_directories(fs::path(lib + "/" + dst).parent_path(), ec);
    fs::copy_file(CorpusDir() + "/" + src, lib + "/" + dst, fs::copy_options::overwrite_existing, ec);
    if (ec) return "copy " + src + ": " + ec.message();
  }
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"collection", "add", lib, "--name", "photos"},
           {"update"},
           {"context", "add", "qimg://photos/trips", "Kyoto trip <script>alert(1)</script> temples"}}) {
    auto r = sb.Run(args);
    if (r.exit_code != 0) return args[0] + ": " + r.err;
  }
  // No command writes object facts with boxes yet: insert one through the store API and refresh
  // the lexical doc as the engine does.
  auto db = Database::Open(sb.db_path());
  if (!db.ok()) return db.status().message();
  auto st = (*db)->Prepare("SELECT id, width, height FROM assets WHERE rel_path = 'trips/kyoto/temple.jpg'");
  if (!st.ok() || !*st->Step()) return "temple.jpg not indexed";
  std::string id = st->ColumnText(0);
  int64_t w = st->ColumnInt(1), h = st->ColumnInt(2);
  FactRow f;
  f.asset_id = id;
  f.fact_type = "object";
  f.value_text = "pagoda";
  f.value_json = "{\"bbox_xyxy\": [" + std::to_string(w / 4) + ", " + std::to_string(h / 5) + ", " +
                 std::to_string(w * 3 / 4) + ", " + std::to_string(h * 4 / 5) + "]}";
  f.confidence = 0.87;
  f.source = "test_fixture@1";
  if (auto r = InsertFact(db->get(), f); !r.ok()) return r.status().message();
  if (auto s = RefreshLexical(db->get(), {id}); !s.ok()) return s.message();
  return "";
}

int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

ServeProcess::ServeProcess(const CliSandbox& sb, int port) : port_(port) {
  log_path_ = sb.dir() + "/.serve.log";
  pid_ = ::fork();
  if (pid_ == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(in, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::setenv("XDG_CONFIG_HOME", (sb.dir() + "/config").c_str(), 1);
    ::setenv("XDG_CACHE_HOME", (sb.dir() + "/cache").c_str(), 1);
    std::string bin = QimgBinary();
    std::string p = std::to_string(port);
    ::execl(bin.c_str(), bin.c_str(), "serve", "--port", p.c_str(), "--workers", "4", nullptr);
    ::_exit(127);
  }
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(0, 200000);
  for (int i = 0; i < 200 && !ok_; ++i) {
    auto res = cli.Get("/health");
    if (res && res->status == 200) ok_ = true;
    else std::this_thread::sleep_for(std::chrono::milliseconds(100));
    int status = 0;
    if (!ok_ && ::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
  }
}

ServeProcess::~ServeProcess() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

std::string ServeProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace qimg::testing
