// A small pool of Engines over one library. An Engine owns one SQLite connection, so requests
// served in parallel (HTTP) each borrow their own; the stdio server uses a pool of one.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "app/config.h"
#include "app/engine.h"
#include "base/status.h"

namespace qimg::mcp {

class EnginePool {
 public:
  // Opens `size` engines (at least one) up front, so a broken database fails at startup rather
  // than on the first request.
  static Result<std::unique_ptr<EnginePool>> Open(const Config& config, int size);
  // Wraps engines that already exist (tests, the CLI's own engine).
  explicit EnginePool(std::vector<std::unique_ptr<Engine>> engines);

  // Borrowed until destroyed; blocks while every engine is in use.
  class Lease {
   public:
    Lease(EnginePool* pool, std::unique_ptr<Engine> engine)
        : pool_(pool), engine_(std::move(engine)) {}
    Lease(Lease&&) = default;
    ~Lease() { if (engine_) pool_->Return(std::move(engine_)); }
    Engine* operator->() const { return engine_.get(); }
    Engine& operator*() const { return *engine_; }

   private:
    EnginePool* pool_;
    std::unique_ptr<Engine> engine_;
  };
  Lease Acquire();

  const Config& config() const { return config_; }

 private:
  void Return(std::unique_ptr<Engine> engine);

  Config config_;
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Engine>> idle_;
};

}  // namespace qimg::mcp
