#include "mcp/dispatcher.h"

#include <gtest/gtest.h>

#include "mcp/json_rpc.h"
#include "mcp/test_library.h"

namespace qimg::mcp {
namespace {

using testing::TestLibrary;

ojson Call(Dispatcher& d, Session& s, const std::string& text) {
  auto reply = d.HandleText(s, text);
  EXPECT_TRUE(reply.has_value()) << text;
  if (!reply) return nullptr;
  return ojson::parse(*reply);
}

std::string Init(const std::string& version) {
  return R"({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": ")" +
         version + R"(", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})";
}

std::string ToolCall(int id, const std::string& name, const std::string& args) {
  return R"({"jsonrpc": "2.0", "id": )" + std::to_string(id) +
         R"(, "method": "tools/call", "params": {"name": ")" + name + R"(", "arguments": )" + args + "}}";
}

TEST(Dispatcher, NegotiatesProtocolVersion) {
  TestLibrary lib(false);
  for (const char* v : {"2025-11-25", "2025-06-18", "2025-03-26"}) {
    Session s;
    ojson r = Call(lib.dispatcher(), s, Init(v));
    EXPECT_EQ(r["result"]["protocolVersion"], v);
    EXPECT_EQ(r["result"]["serverInfo"]["name"], "qimg");
    EXPECT_EQ(r["result"]["capabilities"]["tools"]["listChanged"], false);
    EXPECT_TRUE(r["result"]["capabilities"]["logging"].is_object());
  }
  Session s;
  EXPECT_EQ(Call(lib.dispatcher(), s, Init("1999-01-01"))["result"]["protocolVersion"],
            kLatestProtocolVersion);
  // A second initialize on the same session is refused.
  EXPECT_EQ(Call(lib.dispatcher(), s, Init("2025-06-18"))["error"]["code"], kInvalidRequest);
  Session bad;
  EXPECT_EQ(Call(lib.dispatcher(), bad, R"({"jsonrpc": "2.0", "id": 2, "method": "initialize"})")
                ["error"]["code"], kInvalidParams);
}

TEST(Dispatcher, LifecycleNotificationsAndPing) {
  TestLibrary lib(false);
  Session s;
  Call(lib.dispatcher(), s, Init("2025-11-25"));
  EXPECT_FALSE(lib.dispatcher().HandleText(s, R"({"jsonrpc": "2.0", "method": "notifications/initialized"})"));
  EXPECT_TRUE(s.initialized);
  EXPECT_EQ(DumpWireJson(Call(lib.dispatcher(), s, R"({"jsonrpc": "2.0", "id": "p", "method": "ping"})")),
            R"({"jsonrpc": "2.0", "id": "p", "result": {}})");
  EXPECT_EQ(Call(lib.dispatcher(), s, R"({"jsonrpc": "2.0", "id": 3, "method": "nope"})")["error"]["code"],
            kMethodNotFound);
  EXPECT_EQ(Call(lib.dispatcher(), s,
                 R"({"jsonrpc": "2.0", "id": 4, "method": "logging/setLevel", "params": {"level": "debug"}})")
                ["result"], ojson::object());
  EXPECT_EQ(s.log_level, "debug");
  EXPECT_EQ(Call(lib.dispatcher(), s,
                 R"({"jsonrpc": "2.0", "id": 5, "method": "logging/setLevel", "params": {"level": "loud"}})")
                ["error"]["code"], kInvalidParams);
}

TEST(Dispatcher, ParseErrorsAndInvalidRequests) {
  TestLibrary lib(false);
  Session s;
  ojson r = Call(lib.dispatcher(), s, R"({"jsonrpc": "2.0", "id": 1, "method": )");
  EXPECT_EQ(r["error"]["code"], kParseError);
  EXPECT_TRUE(r["id"].is_null());
  EXPECT_EQ(DumpWireJson(Call(lib.dispatcher(), s, "not json")), R"({"ok": false, "error": "invalid json"})");
  for (const char* text : {"5", "\"x\"", "null", "true"}) {
    ojson e = Call(lib.dispatcher(), s, text);
    EXPECT_EQ(e["error"]["code"], kInvalidRequest) << text;
    EXPECT_TRUE(e["id"].is_null()) << text;
  }
}

TEST(Dispatcher, BatchesOnlyFor20250326) {
  TestLibrary lib(false);
  const std::string batch = R"([{"jsonrpc": "2.0", "id": 1, "method": "ping"},
                                {"jsonrpc": "2.0", "method": "notifications/x"},
                                {"jsonrpc": "2.0", "id": 2, "method": "initialize", "params": {"protocolVersion": "2025-03-26"}},
                                5])";
  Session modern;
  Call(lib.dispatcher(), modern, Init("2025-06-18"));
  EXPECT_EQ(Call(lib.dispatcher(), modern, batch)["error"]["code"], kInvalidRequest);
  Session old;
  Call(lib.dispatcher(), old, Init("2025-03-26"));
  ojson r = Call(lib.dispatcher(), old, batch);
  ASSERT_TRUE(r.is_array());
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0]["result"], ojson::object());
  EXPECT_EQ(r[1]["error"]["code"], kInvalidRequest);  // initialize inside a batch
  EXPECT_EQ(r[2]["error"]["code"], kInvalidRequest);
  EXPECT_EQ(Call(lib.dispatcher(), old, "[]")["error"]["code"], kInvalidRequest);
  EXPECT_FALSE(lib.dispatcher().HandleText(old, R"([{"jsonrpc": "2.0", "method": "n"}])"));
}

TEST(Dispatcher, ListsOnlyWorkingToolsWithSchemas) {
  TestLibrary lib(false);
  Session s;
  Call(lib.dispatcher(), s, Init("2025-11-25"));
  ojson r = Call(lib.dispatcher(), s, R"({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})");
  std::vector<std::string> names;
  for (const auto& t : r["result"]["tools"]) {
    names.push_back(t["name"]);
    EXPECT_EQ(t["inputSchema"]["type"], "object") << t["name"];
    EXPECT_EQ(t["outputSchema"]["type"], "object") << t["name"];
    EXPECT_FALSE(t["description"].get<std::string>().empty());
  }
  for (const char* n : {"qimg_get", "qimg_multi_get", "qimg_status", "qimg_facts_get"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  Session old;
  Call(lib.dispatcher(), old, Init("2025-03-26"));
  ojson o = Call(lib.dispatcher(), old, R"({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})");
  EXPECT_FALSE(o["result"]["tools"][0].contains("outputSchema"));
}

TEST(Dispatcher, ToolCallsReturnStructuredContentAndErrors) {
  TestLibrary lib(true);
  Session s;
  Call(lib.dispatcher(), s, Init("2025-11-25"));
  ojson st = Call(lib.dispatcher(), s, ToolCall(2, "qimg_status", "{}"))["result"];
  EXPECT_EQ(st["isError"], false);
  EXPECT_GE(st["structuredContent"]["assets_active"].get<int>(), 5);
  EXPECT_EQ(ojson::parse(st["content"][0]["text"].get<std::string>()), st["structuredContent"]);

  ojson mg = Call(lib.dispatcher(), s, ToolCall(3, "qimg_multi_get", R"({"glob": "*photo-0*"})"))["result"];
  ASSERT_GE(mg["structuredContent"]["results"].size(), 2u);
  std::string id = mg["structuredContent"]["results"][0]["id"];

  ojson get = Call(lib.dispatcher(), s, ToolCall(4, "qimg_get", R"({"id": ")" + id + R"(", "thumbnail": true})"))["result"];
  EXPECT_EQ(get["structuredContent"]["id"], id);
  ASSERT_EQ(get["content"].size(), 2u);
  EXPECT_EQ(get["content"][1]["type"], "image");
  EXPECT_EQ(get["content"][1]["mimeType"], "image/jpeg");
  EXPECT_EQ(get["content"][1]["data"].get<std::string>().substr(0, 4), "/9j/");  // JPEG SOI

  ojson facts = Call(lib.dispatcher(), s, ToolCall(5, "qimg_facts_get", R"({"id": ")" + id + R"("})"))["result"];
  EXPECT_TRUE(facts["structuredContent"]["facts"].is_array());

  // Tool failures are isError results; unknown tools and bad params are protocol errors.
  ojson missing = Call(lib.dispatcher(), s, ToolCall(6, "qimg_get", R"({"id": "#ffffffffff"})"))["result"];
  EXPECT_EQ(missing["isError"], true);
  EXPECT_EQ(Call(lib.dispatcher(), s, ToolCall(7, "qimg_facts_get", "{}"))["result"]["isError"], true);
  EXPECT_EQ(Call(lib.dispatcher(), s, ToolCall(8, "qimg_get", R"({"id": 5})"))["result"]["isError"], true);
  EXPECT_EQ(Call(lib.dispatcher(), s, ToolCall(9, "qimg_nope", "{}"))["error"]["code"], kInvalidParams);
  EXPECT_EQ(Call(lib.dispatcher(), s, ToolCall(10, "qimg_status", "[1]"))["error"]["code"], kInvalidParams);
}

TEST(Dispatcher, LegacyEnvelope) {
  TestLibrary lib(true);
  Session s;
  ojson st = Call(lib.dispatcher(), s, R"({"tool": "qimg_status", "args": {}})");
  EXPECT_EQ(st["ok"], true);
  EXPECT_GE(st["result"]["assets_active"].get<int>(), 5);
  ojson mg = Call(lib.dispatcher(), s, R"({"method": "qimg_multi_get", "params": {"glob": "*"}})");
  EXPECT_TRUE(mg["result"].is_array());
  EXPECT_EQ(DumpWireJson(Call(lib.dispatcher(), s, R"({"tool": "bogus"})")),
            R"({"ok": false, "error": "unknown tool: bogus"})");
  EXPECT_EQ(DumpWireJson(Call(lib.dispatcher(), s, R"({})")), R"({"ok": false, "error": "unknown tool: None"})");
  EXPECT_EQ(Call(lib.dispatcher(), s, R"({"tool": "qimg_get", "args": {"id": "zzzz-nothing"}})")["ok"], false);
}

}  // namespace
}  // namespace qimg::mcp
