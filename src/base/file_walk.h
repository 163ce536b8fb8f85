// Walks a collection root for candidate files. Sorted (deterministic), hidden files and folders
// (names starting with '.') skipped, symlinked folders followed once (loops and repeats are
// detected by device+inode), symlinked files reported with their resolved target. Only regular
// files are reported: FIFOs, sockets and devices are never returned (so never opened).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"

namespace qimg {

struct WalkEntry {
  std::string rel_path;   // relative to the root, '/'-separated, as reached (through links)
  std::string abs_path;   // symlink-resolved absolute path of the file
  int64_t size = 0;
  double mtime = 0;
};

struct WalkProblem {
  std::string rel_path;
  std::string reason;  // e.g. "symlink loop", "permission denied", "not a regular file"
};

struct WalkOptions {
  int max_depth = 256;
  bool skip_hidden = true;
};

// Calls on_file for each regular file (the caller filters by mask) and on_problem for entries
// that cannot be read or followed. Returns an error only when the root itself is unusable.
Status WalkTree(const std::string& root, const WalkOptions& options,
                const std::function<void(WalkEntry)>& on_file,
                const std::function<void(WalkProblem)>& on_problem);

}  // namespace qimg
