// A throwaway library for mcp tests: a temp folder with its own database, optionally holding
// the shared photo corpus as collection "photos".
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "app/engine.h"
#include "mcp/dispatcher.h"
#include "mcp/qimg_tools.h"

namespace qimg::mcp::testing {

class TestLibrary {
 public:
  explicit TestLibrary(bool with_photos) {
    dir_ = std::filesystem::temp_directory_path() /
           ("qimg_mcp_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    Config c = DefaultConfig();
    c.db_path = (dir_ / "qimg.sqlite").string();
    c.vector_dir = (dir_ / "vectors").string();
    c.pid_path = (dir_ / "mcp.pid").string();
    auto e = Engine::Open(c);
    EXPECT_TRUE(e.ok()) << e.status().message();
    if (with_photos && e.ok()) {
      auto coll = (*e)->AddCollection(std::string(QIMG_TESTDATA_DIR) + "/corpus/photos", "photos",
                                      kDefaultMask);
      EXPECT_TRUE(coll.ok()) << coll.status().message();
      UpdateOptions o;
      o.threads = 2;
      auto st = (*e)->Update(o);
      EXPECT_TRUE(st.ok()) << st.status().message();
    }
    std::vector<std::unique_ptr<Engine>> engines;
    if (e.ok()) engines.push_back(std::move(*e));
    pool_ = std::make_unique<EnginePool>(std::move(engines));
    RegisterQimgTools(&tools_);
    dispatcher_ = std::make_unique<Dispatcher>(pool_.get(), &tools_, "test");
  }
  ~TestLibrary() {
    dispatcher_.reset();
    pool_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Dispatcher& dispatcher() { return *dispatcher_; }
  EnginePool& pool() { return *pool_; }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::unique_ptr<EnginePool> pool_;
  ToolRegistry tools_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

}  // namespace qimg::mcp::testing
