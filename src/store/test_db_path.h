// Tests of the store layer: a fresh database path per test process under the test temp dir.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace qimg::testing {

// "<TempDir>/<name>_<pid>.sqlite3", with any file left there by an earlier run removed.
inline std::string TempDbPath(const char* name) {
  std::string p = ::testing::TempDir() + "/" + name + "_" + std::to_string(::getpid()) + ".sqlite3";
  ::unlink(p.c_str());
  return p;
}

}  // namespace qimg::testing
