// Runs the real qimg binary in a private sandbox (own XDG config/cache dirs) for end-to-end
// tests. Every e2e test file uses this, so all of them exercise the shipped executable.
#pragma once

#include <string>
#include <vector>

namespace qimg::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class CliSandbox {
 public:
  // Creates a fresh directory under the test temp dir; removed on destruction.
  explicit CliSandbox(const std::string& name);
  ~CliSandbox();
  // Runs `qimg args...` with XDG_CONFIG_HOME/XDG_CACHE_HOME inside the sandbox, NO_COLOR set,
  // stdin from /dev/null. extra_env entries are "NAME=value".
  CliResult Run(const std::vector<std::string>& args,
                const std::vector<std::string>& extra_env = {}) const;
  const std::string& dir() const { return dir_; }
  std::string db_path() const;

 private:
  std::string dir_;
};

std::string QimgBinary();
std::string TestdataDir();
std::string CorpusDir();

}  // namespace qimg::testing
