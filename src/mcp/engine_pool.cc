#include "mcp/engine_pool.h"

#include <algorithm>

namespace qimg::mcp {

Result<std::unique_ptr<EnginePool>> EnginePool::Open(const Config& config, int size) {
  std::vector<std::unique_ptr<Engine>> engines;
  std::shared_ptr<LexicalMirrorSource> mirror;
  for (int i = 0; i < std::max(1, size); ++i) {
    QIMG_ASSIGN_OR_RETURN(auto e, Engine::Open(config));
    // A server lives long enough for the in-memory lexical index to pay off; one for all.
    if (!mirror) mirror = std::make_shared<LexicalMirrorSource>(e->db()->path());
    e->ShareLexicalMirror(mirror);
    engines.push_back(std::move(e));
  }
  return std::make_unique<EnginePool>(std::move(engines));
}

EnginePool::EnginePool(std::vector<std::unique_ptr<Engine>> engines) : idle_(std::move(engines)) {
  if (!idle_.empty()) config_ = idle_.front()->config();
}

EnginePool::Lease EnginePool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  available_.wait(lock, [this] { return !idle_.empty(); });
  auto e = std::move(idle_.back());
  idle_.pop_back();
  return Lease(this, std::move(e));
}

void EnginePool::Return(std::unique_ptr<Engine> engine) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(engine));
  }
  available_.notify_one();
}

}  // namespace qimg::mcp
