#include <gtest/gtest.h>

#include "mcp/dispatcher.h"
#include "mcp/test_library.h"

namespace qimg::mcp {
namespace {

ojson Call(Dispatcher& d, Session& s, const std::string& text) {
  auto reply = d.HandleText(s, text);
  EXPECT_TRUE(reply.has_value()) << text;
  return reply ? ojson::parse(*reply) : ojson(nullptr);
}

std::string ToolCall(int id, const std::string& args) {
  return R"({"jsonrpc": "2.0", "id": )" + std::to_string(id) +
         R"(, "method": "tools/call", "params": {"name": "qimg_facts_extract", "arguments": )" + args + "}}";
}

TEST(FactsExtractTool, DerivedOverMcpAndUnresolvedIdIsAnError) {
  testing::TestLibrary lib(true);
  Session s;
  Call(lib.dispatcher(), s,
       R"({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", )"
       R"("capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})");
  ojson r = Call(lib.dispatcher(), s, ToolCall(2, R"({"derived": true})"))["result"];
  ASSERT_EQ(r["isError"], false) << r.dump();
  EXPECT_GE(r["structuredContent"]["processed"].get<int>(), 5);
  EXPECT_GT(r["structuredContent"]["derived"].get<int>(), 0);
  EXPECT_EQ(r["structuredContent"]["sources"]["derived"], "derived_pixels@1");
  ojson bad = Call(lib.dispatcher(), s, ToolCall(3, R"({"ids": ["#ffffffffff"], "derived": true})"))["result"];
  EXPECT_EQ(bad["isError"], true);
}

}  // namespace
}  // namespace qimg::mcp
