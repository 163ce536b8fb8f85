#include "app/lexical_mirror.h"

#include <algorithm>
#include <cstdio>

#include "base/log.h"
#include "store/lexical_store.h"

namespace qimg {
namespace {

using Clock = std::chrono::steady_clock;

// Rebuilds wait this many times the last build's duration after it, so a library that keeps
// changing costs at most ~1/(1+4) of a core in rebuilds; a failed build waits at least a minute.
constexpr int kSpacingFactor = 4;
constexpr std::chrono::seconds kRetryAfterFailure{60};

}  // namespace

LexicalMirrorSource::LexicalMirrorSource(std::string db_path) : db_path_(std::move(db_path)) {}

LexicalMirrorSource::~LexicalMirrorSource() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (building_db_) building_db_->Interrupt();
  }
  if (worker_.joinable()) worker_.join();
}

std::shared_ptr<const FtsMirror> LexicalMirrorSource::Current(Database* db) {
  auto generation = LexicalGeneration(db);
  if (!generation.ok()) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  if (mirror_ && mirror_->generation() == *generation) return mirror_;
  if (!building_ && !stopping_ && Clock::now() >= next_allowed_) {
    // A finished worker only returns after clearing building_, so this join is immediate.
    if (worker_.joinable()) worker_.join();
    building_ = true;
    worker_ = std::thread([this, g = *generation] { Build(g); });
  }
  return nullptr;
}

bool LexicalMirrorSource::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_.wait_for(lock, timeout, [this] { return !building_; });
}

void LexicalMirrorSource::Build(int64_t wanted_generation) {
  const auto started = Clock::now();
  Result<std::unique_ptr<FtsMirror>> built = Status::Unavailable("not built");
  // Its own connection: the engines' connections belong to their requests. No migration here;
  // the engine that asked has already brought the schema up to date.
  auto db = Database::Open(db_path_);
  if (!db.ok()) {
    built = db.status();
  } else {
    bool proceed = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      proceed = !stopping_;
      if (proceed) building_db_ = db->get();
    }
    if (proceed) built = FtsMirror::Load(db->get());
    std::lock_guard<std::mutex> lock(mu_);
    building_db_ = nullptr;
  }
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = Clock::now();
  if (built.ok()) {
    mirror_ = std::shared_ptr<const FtsMirror>(std::move(built).value());
    char line[200];
    std::snprintf(line, sizeof line,
                  "in-memory lexical index: generation %lld, %zu rows, %zu terms, %.1f MB, built in "
                  "%.2f s",
                  static_cast<long long>(mirror_->generation()), mirror_->documents(),
                  mirror_->terms(), mirror_->memory_bytes() / 1e6,
                  std::chrono::duration<double>(now - started).count());
    LogInfo(line);
    next_allowed_ = now + kSpacingFactor * (now - started);
    last_error_.clear();
  } else {
    next_allowed_ = now + std::max<Clock::duration>(kSpacingFactor * (now - started), kRetryAfterFailure);
    const std::string error = built.status().message();
    if (!stopping_ && error != last_error_) {
      LogWarning("in-memory lexical index (generation " + std::to_string(wanted_generation) +
                 ") not built, searches rank in SQLite: " + error);
    }
    last_error_ = error;
  }
  building_ = false;
  idle_.notify_all();
}

}  // namespace qimg
