// Keeps an in-memory copy of a library's lexical index (store/fts_mirror.h) current for a
// long-running process (the MCP and web servers), shared by all its engines. Ranking from the
// copy gives the same results as SQLite and costs a fraction of it; building one costs a scan of
// the index (about 0.3 s at 100,000 assets), so it happens on a background thread with its own
// connection, never inside a request: a request that finds no current copy ranks in SQLite and
// asks for a rebuild. While another process keeps writing (an `update` running), rebuilds are
// spaced so they take at most about a fifth of one core.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/database.h"
#include "store/fts_mirror.h"

namespace qimg {

class LexicalMirrorSource {
 public:
  explicit LexicalMirrorSource(std::string db_path);
  ~LexicalMirrorSource();  // waits for (and interrupts) a build in progress
  LexicalMirrorSource(const LexicalMirrorSource&) = delete;
  LexicalMirrorSource& operator=(const LexicalMirrorSource&) = delete;

  // The copy that reflects `db`'s current lexical generation, or null when there is none yet
  // (a build is then started or scheduled). `db` is the caller's own connection to the same
  // file; the result stays valid for as long as the caller holds it.
  std::shared_ptr<const FtsMirror> Current(Database* db);

  // Blocks until no build is running or pending, at most `timeout`; true when idle. For tests
  // and benchmarks that need the copy in place before they measure.
  bool WaitIdle(std::chrono::milliseconds timeout);

 private:
  void Build(int64_t wanted_generation);

  const std::string db_path_;
  std::mutex mu_;
  std::condition_variable idle_;
  std::shared_ptr<const FtsMirror> mirror_;
  std::thread worker_;
  bool building_ = false;
  bool stopping_ = false;
  Database* building_db_ = nullptr;  // the worker's connection, to interrupt at shutdown
  std::chrono::steady_clock::time_point next_allowed_{};
  std::string last_error_;
};

}  // namespace qimg
