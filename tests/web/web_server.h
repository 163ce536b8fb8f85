// Test helpers for the gallery: a fixture library (photos, a hostile file name, a context with
// markup, an object fact with a box) and a `qimg serve` child process on a free loopback port.
#pragma once

#include <sys/types.h>

#include <string>

#include "tests/e2e/cli_runner.h"

namespace qimg::testing {

// Builds the library in the sandbox: collection "photos" with a few corpus photos under
// trips/kyoto/ and pets/, plus "<img src=x onerror=alert(1)>.jpg"; a context on trips with a
// <script> tag; one "object" fact with {"bbox_xyxy": [...]} on trips/kyoto/temple.jpg.
// Returns an empty string or the first failure.
std::string BuildWebFixture(const CliSandbox& sandbox);

// A port nobody listens on right now (bound to :0, then released).
int FreeLoopbackPort();

class ServeProcess {
 public:
  // Starts `qimg serve --port <port>` with the sandbox's environment; waits until /health
  // answers (up to 20 s). ok() tells whether it came up.
  ServeProcess(const CliSandbox& sandbox, int port);
  ~ServeProcess();  // SIGTERM, then wait
  bool ok() const { return ok_; }
  int port() const { return port_; }
  std::string log() const;  // its stderr so far

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  bool ok_ = false;
  std::string log_path_;
};

}  // namespace qimg::testing
