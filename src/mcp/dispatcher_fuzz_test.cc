// Deterministic fuzzing of the dispatcher: thousands of mutated and malformed messages, each
// of which must produce a single well-formed reply (or none for notifications), never a crash.
#include <random>

#include <gtest/gtest.h>

#include "mcp/dispatcher.h"
#include "mcp/test_library.h"

namespace qimg::mcp {
namespace {

const char* const kSeeds[] = {
    R"({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-03-26", "capabilities": {}}})",
    R"({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})",
    R"({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "qimg_get", "arguments": {"id": "#abc"}}})",
    R"({"jsonrpc": "2.0", "id": "x", "method": "tools/call", "params": {"name": "qimg_multi_get", "arguments": {"ids": ["a", "b"], "glob": "*"}}})",
    R"({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "qimg_status"}})",
    R"({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "qimg_facts_get", "arguments": {"path": "/x"}}})",
    R"({"jsonrpc": "2.0", "method": "notifications/initialized"})",
    R"({"jsonrpc": "2.0", "id": 6, "method": "ping"})",
    R"({"jsonrpc": "2.0", "id": 7, "method": "logging/setLevel", "params": {"level": "info"}})",
    R"([{"jsonrpc": "2.0", "id": 8, "method": "ping"}, {"jsonrpc": "2.0", "method": "n"}])",
    R"({"tool": "qimg_status", "args": {}})",
    R"({"method": "qimg_get", "params": {"id": "photo"}})",
};

// Structural replacements that keep messages near-valid, so mutations reach deep code paths.
const char* const kTokens[] = {"null", "true", "0", "-1", "1e999", "\"\"", "[]", "{}", "\"\\u0000\"",
                               "\"\xff\xfe\"", "[[[[", "}}}", ",", ":", "\"jsonrpc\"", "\"2.0\"",
                               "\"id\"", "\"method\"", "\"params\"", "\"arguments\"", "\"qimg_get\"",
                               "\"tools/call\"", "1.5", "\"#\"", "\"qimg://\"", "\"*\"", "\"../../etc/passwd\""};

std::string Mutate(std::string s, std::mt19937& rng) {
  int edits = 1 + rng() % 4;
  for (int i = 0; i < edits && !s.empty(); ++i) {
    size_t pos = rng() % s.size();
    switch (rng() % 5) {
      case 0: s.erase(pos, 1 + rng() % 8); break;
      case 1: s.insert(pos, 1, static_cast<char>(rng() % 256)); break;
      case 2: s[pos] = static_cast<char>(rng() % 256); break;
      case 3: s.insert(pos, kTokens[rng() % std::size(kTokens)]); break;
      case 4: {  // replace a JSON value-ish span with a token
        size_t len = 1 + rng() % 12;
        s.replace(pos, len, kTokens[rng() % std::size(kTokens)]);
        break;
      }
    }
  }
  return s;
}

TEST(DispatcherFuzz, MutatedMessagesAlwaysGetWellFormedReplies) {
  testing::TestLibrary lib(false);
  std::mt19937 rng(20251125);
  int replies = 0;
  for (int i = 0; i < 4000; ++i) {
    Session s;
    if (i % 3 == 0) lib.dispatcher().HandleText(s, kSeeds[0]);  // some in a 2025-03-26 session
    std::string msg = Mutate(kSeeds[rng() % std::size(kSeeds)], rng);
    auto reply = lib.dispatcher().HandleText(s, msg);
    if (!reply) continue;
    ++replies;
    auto parsed = ParseWireJson(*reply);
    ASSERT_TRUE(parsed.ok()) << "unparsable reply to: " << msg;
    ASSERT_EQ(reply->find('\n'), std::string::npos);
    const ojson& r = *parsed;
    auto well_formed = [](const ojson& o) {
      if (!o.is_object()) return false;
      if (o.contains("ok")) return o["ok"].is_boolean() && (o.contains("result") || o["error"].is_string());
      return o["jsonrpc"] == "2.0" && o.contains("id") && (o.contains("result") != o.contains("error"));
    };
    if (r.is_array()) {
      for (const auto& e : r) ASSERT_TRUE(well_formed(e)) << msg << " -> " << *reply;
    } else {
      ASSERT_TRUE(well_formed(r)) << msg << " -> " << *reply;
    }
  }
  EXPECT_GT(replies, 2000);
}

}  // namespace
}  // namespace qimg::mcp
