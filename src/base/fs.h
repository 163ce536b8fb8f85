// Small file-system helpers over POSIX. Paths are std::string (UTF-8 or raw bytes as the OS
// gives them); nothing here follows untrusted input into a path without the caller's checks.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace qimg {

struct FileStat {
  bool exists = false;
  bool is_dir = false;
  bool is_regular = false;
  bool is_symlink = false;  // lstat view of the path itself
  int64_t size = 0;
  double mtime = 0;  // seconds since the epoch, with sub-second precision
  uint64_t dev = 0;
  uint64_t ino = 0;
};

// stat(2) (follows symlinks); exists=false when the path does not resolve.
FileStat StatPath(const std::string& path);
// "~" and "~/x" expanded with $HOME; other paths unchanged.
std::string ExpandUser(const std::string& path);
// Absolute path with symlinks resolved; IoError when it does not exist.
Result<std::string> RealPath(const std::string& path);
// Absolute, lexically normalised path (no symlink resolution; works for missing paths).
std::string AbsolutePath(const std::string& path);
// Creates the directory and its parents (mode 0755). Ok when it already exists.
Status MakeDirs(const std::string& path);
Result<std::string> ReadFileToString(const std::string& path, int64_t max_bytes = int64_t{1} << 30);
// Writes to "<path>.tmp.<pid>" then renames over path, so readers see old or new, never half.
Status WriteFileAtomic(const std::string& path, const std::string& contents);
std::string DirName(const std::string& path);
std::string BaseName(const std::string& path);
std::string JoinPath(const std::string& a, const std::string& b);

}  // namespace qimg
