#include "tests/e2e/cli_runner.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace qimg::testing {

std::string QimgBinary() { return std::string(QIMG_BINARY_DIR) + "/src/cli/qimg"; }
std::string TestdataDir() { return QIMG_TESTDATA_DIR; }
std::string CorpusDir() { return std::string(QIMG_TESTDATA_DIR) + "/corpus"; }

CliSandbox::CliSandbox(const std::string& name) {
  const char* tmp = std::getenv("TMPDIR");
  std::string base = (tmp && *tmp) ? tmp : "/tmp";
  dir_ = base + "/qimg_e2e_" + name + "_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
}

CliSandbox::~CliSandbox() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string CliSandbox::db_path() const { return dir_ + "/cache/qimg/qimg.sqlite3"; }

namespace {
std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

CliResult CliSandbox::Run(const std::vector<std::string>& args,
                          const std::vector<std::string>& extra_env) const {
  std::string out_path = dir_ + "/.stdout";
  std::string err_path = dir_ + "/.stderr";
  pid_t pid = ::fork();
  if (pid == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::setenv("XDG_CONFIG_HOME", (dir_ + "/config").c_str(), 1);
    ::setenv("XDG_CACHE_HOME", (dir_ + "/cache").c_str(), 1);
    ::setenv("NO_COLOR", "1", 1);
    for (const auto& e : extra_env) {
      auto eq = e.find('=');
      ::setenv(e.substr(0, eq).c_str(), e.substr(eq + 1).c_str(), 1);
    }
    std::string bin = QimgBinary();
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(bin.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = Slurp(out_path);
  r.err = Slurp(err_path);
  return r;
}

}  // namespace qimg::testing
