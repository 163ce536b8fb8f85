// libFuzzer target: arbitrary bytes into the MCP dispatcher (as one stdio line or HTTP body).
// Every input must yield a parsable single-line reply or none. Built with -DQIMG_FUZZ=ON (clang).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "mcp/dispatcher.h"
#include "mcp/qimg_tools.h"

namespace {

qimg::mcp::Dispatcher* MakeDispatcher() {
  // An empty library under $TMPDIR: tool calls run for real (and mostly find nothing), while
  // framing, lifecycle and batching get the fuzzer's full attention.
  static qimg::Config config = [] {
    qimg::Config c = qimg::DefaultConfig();
    c.db_path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/qimg_jsonrpc_fuzz.sqlite3";
    return c;
  }();
  static auto pool = qimg::mcp::EnginePool::Open(config, 1);
  static qimg::mcp::ToolRegistry tools = [] {
    qimg::mcp::ToolRegistry t;
    qimg::mcp::RegisterQimgTools(&t);
    return t;
  }();
  if (!pool.ok()) std::abort();
  static qimg::mcp::Dispatcher d(pool->get(), &tools, "fuzz");
  return &d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static qimg::mcp::Dispatcher* d = MakeDispatcher();
  std::string text(reinterpret_cast<const char*>(data), size);
  for (int version = 0; version < 2; ++version) {
    qimg::mcp::Session s;
    if (version == 1) s.protocol_version = "2025-03-26";  // batches allowed
    auto reply = d->HandleText(s, text);
    if (reply && (!qimg::mcp::ParseWireJson(*reply).ok() || reply->find('\n') != std::string::npos))
      std::abort();
  }
  return 0;
}
