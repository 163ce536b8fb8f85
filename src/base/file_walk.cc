#include "base/file_walk.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include "base/fs.h"

namespace qimg {
namespace {

struct Walker {
  const WalkOptions& options;
  const std::function<void(WalkEntry)>& on_file;
  const std::function<void(WalkProblem)>& on_problem;
  std::set<std::pair<uint64_t, uint64_t>> active_dirs;  // folders on the current path

  void Walk(const std::string& dir, const std::string& rel, int depth) {
    if (depth > options.max_depth) {
      on_problem({rel, "folder nesting deeper than " + std::to_string(options.max_depth)});
      return;
    }
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
      on_problem({rel.empty() ? "." : rel, std::string("cannot open folder: ") + std::strerror(errno)});
      return;
    }
    std::vector<std::string> names;
    while (struct dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n == "." || n == "..") continue;
      if (options.skip_hidden && n[0] == '.') continue;
      names.push_back(std::move(n));
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
      std::string path = dir + "/" + n;
      std::string child_rel = rel.empty() ? n : rel + "/" + n;
      struct stat lst;
      if (::lstat(path.c_str(), &lst) != 0) {
        on_problem({child_rel, std::string("cannot stat: ") + std::strerror(errno)});
        continue;
      }
      struct stat st = lst;
      if (S_ISLNK(lst.st_mode)) {
        if (::stat(path.c_str(), &st) != 0) {
          on_problem({child_rel, errno == ELOOP ? "symlink loop"
                                                : std::string("broken symlink: ") + std::strerror(errno)});
          continue;
        }
      }
      if (S_ISDIR(st.st_mode)) {
        auto key = std::make_pair(static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino));
        if (active_dirs.count(key)) {
          on_problem({child_rel, "symlink loop (folder links back to an ancestor)"});
          continue;
        }
        active_dirs.insert(key);
        Walk(path, child_rel, depth + 1);
        active_dirs.erase(key);
        continue;
      }
      if (!S_ISREG(st.st_mode)) {
        on_problem({child_rel, "not a regular file"});
        continue;
      }
      WalkEntry entry;
      entry.rel_path = child_rel;
      if (S_ISLNK(lst.st_mode)) {
        auto real = RealPath(path);
        entry.abs_path = real.ok() ? *real : path;
      } else {
        entry.abs_path = path;
      }
      entry.size = st.st_size;
      entry.mtime = static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) / 1e9;
      on_file(std::move(entry));
    }
  }
};

}  // namespace

Status WalkTree(const std::string& root, const WalkOptions& options,
                const std::function<void(WalkEntry)>& on_file,
                const std::function<void(WalkProblem)>& on_problem) {
  QIMG_ASSIGN_OR_RETURN(std::string real_root, RealPath(root));
  struct stat st;
  if (::stat(real_root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::InvalidArgument(root + " is not a directory");
  Walker w{options, on_file, on_problem, {}};
  w.active_dirs.insert({static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)});
  w.Walk(real_root, "", 0);
  return Status::Ok();
}

}  // namespace qimg
