#include "mcp/json_rpc.h"

#include <gtest/gtest.h>

namespace qimg::mcp {
namespace {

ojson J(const char* text) { return ojson::parse(text); }

TEST(WireJson, PythonSeparatorsAndAsciiEscapes) {
  ojson v = J(R"({"a": [1, 2.5, "é"], "b": {"c": null, "d": true}, "e": 1e-07, "f": 1.0})");
  EXPECT_EQ(DumpWireJson(v),
            R"({"a": [1, 2.5, "\u00e9"], "b": {"c": null, "d": true}, "e": 1e-07, "f": 1.0})");
  EXPECT_EQ(DumpWireJson(ojson::array()), "[]");
  EXPECT_EQ(DumpWireJson(ojson::object()), "{}");
}

TEST(WireJson, ParseRejectsGarbageAndDeepNesting) {
  EXPECT_FALSE(ParseWireJson("{").ok());
  EXPECT_FALSE(ParseWireJson("").ok());
  EXPECT_FALSE(ParseWireJson("\"\xff\"").ok());
  EXPECT_FALSE(ParseWireJson(std::string(1000, '[') + std::string(1000, ']')).ok());
  EXPECT_TRUE(ParseWireJson(std::string(10, '[') + std::string(10, ']')).ok());
  // Brackets inside strings do not count as nesting.
  EXPECT_TRUE(ParseWireJson("\"" + std::string(1000, '[') + "\"").ok());
}

TEST(JsonRpc, ClassifiesRequestsNotificationsResponses) {
  auto r = ClassifyRpc(J(R"({"jsonrpc": "2.0", "id": 7, "method": "ping"})"));
  EXPECT_EQ(r.kind, RpcKind::kRequest);
  EXPECT_EQ(r.id, 7);
  EXPECT_EQ(r.method, "ping");
  EXPECT_TRUE(r.params.is_object());
  r = ClassifyRpc(J(R"({"jsonrpc": "2.0", "id": "a", "method": "x", "params": [1]})"));
  EXPECT_EQ(r.kind, RpcKind::kRequest);
  EXPECT_EQ(r.id, "a");
  EXPECT_EQ(ClassifyRpc(J(R"({"jsonrpc": "2.0", "method": "n"})")).kind, RpcKind::kNotification);
  EXPECT_EQ(ClassifyRpc(J(R"({"jsonrpc": "2.0", "id": 1, "result": {}})")).kind, RpcKind::kResponse);
}

TEST(JsonRpc, RejectsInvalidRequestsKeepingTheId) {
  for (const char* text : {R"({"jsonrpc": "1.0", "id": 3, "method": "ping"})",
                           R"({"id": 3, "method": "ping"})",
                           R"({"jsonrpc": "2.0", "id": 3, "method": 5})",
                           R"({"jsonrpc": "2.0", "id": 3})",
                           R"({"jsonrpc": "2.0", "id": 3, "method": "x", "params": "s"})"}) {
    auto r = ClassifyRpc(J(text));
    EXPECT_EQ(r.kind, RpcKind::kInvalid) << text;
    EXPECT_EQ(r.id, 3) << text;
  }
  for (const char* text : {R"({"jsonrpc": "2.0", "id": null, "method": "ping"})",
                           R"({"jsonrpc": "2.0", "id": [1], "method": "ping"})",
                           R"({"jsonrpc": "2.0", "id": {}, "method": "ping"})",
                           R"({"jsonrpc": "2.0", "id": true, "method": "ping"})",
                           R"("ping")", "5", "null"}) {
    auto r = ClassifyRpc(J(text));
    EXPECT_EQ(r.kind, RpcKind::kInvalid) << text;
    EXPECT_TRUE(r.id.is_null()) << text;
  }
}

TEST(JsonRpc, LegacyEnvelopeIsAnObjectWithoutJsonrpc) {
  EXPECT_TRUE(IsLegacyEnvelope(J(R"({"tool": "qimg_status"})")));
  EXPECT_TRUE(IsLegacyEnvelope(J(R"({})")));
  EXPECT_FALSE(IsLegacyEnvelope(J(R"({"jsonrpc": "2.0", "method": "x"})")));
  EXPECT_FALSE(IsLegacyEnvelope(J(R"([])")));
}

TEST(JsonRpc, BuildsResponses) {
  EXPECT_EQ(DumpWireJson(RpcResult(1, ojson::object())), R"({"jsonrpc": "2.0", "id": 1, "result": {}})");
  EXPECT_EQ(DumpWireJson(RpcError(nullptr, kParseError, "Parse error")),
            R"({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "Parse error"}})");
}

}  // namespace
}  // namespace qimg::mcp
