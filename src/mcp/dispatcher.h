// The MCP server's brain, shared by both transports: lifecycle (initialize with version
// negotiation, notifications/initialized, ping), tools/list, tools/call, logging/setLevel,
// JSON-RPC batches (only for sessions that negotiated 2025-03-26, the one version that has
// them), and the legacy qimg envelope {"tool", "args"} -> {"ok", "result"|"error"} (SPEC §11.1).
// Every input yields a well-formed reply (or none, for notifications); nothing throws out.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mcp/engine_pool.h"
#include "mcp/tool_registry.h"
#include "mcp/wire_json.h"

namespace qimg::mcp {

inline constexpr const char* kLatestProtocolVersion = "2025-11-25";
// Newest first.
inline constexpr const char* kSupportedProtocolVersions[] = {"2025-11-25", "2025-06-18",
                                                             "2025-03-26"};
bool IsSupportedProtocolVersion(std::string_view version);

// Per-connection (stdio) or per-Mcp-Session-Id (HTTP) state.
struct Session {
  std::string protocol_version;  // empty until initialize succeeded
  bool initialized = false;      // notifications/initialized received
  std::string log_level = "info";
};

class Dispatcher {
 public:
  Dispatcher(EnginePool* engines, const ToolRegistry* tools, std::string server_version);

  // One decoded message: an object (request, notification, legacy envelope) or an array (batch).
  // Returns the reply, or nullopt when none is owed (notifications, responses, an all-notification
  // batch).
  std::optional<ojson> Handle(Session& session, const ojson& message);

  // Raw text from a transport. Text that is not JSON gets a JSON-RPC parse error (-32700) when it
  // mentions "jsonrpc", else the legacy {"ok": false, "error": "invalid json"}.
  std::optional<std::string> HandleText(Session& session, std::string_view text);

  // The reply to text that failed to parse (exposed for the HTTP transport's status codes).
  static ojson ParseErrorReply(std::string_view text);

 private:
  std::optional<ojson> HandleOne(Session& session, const ojson& message, bool in_batch);
  ojson HandleLegacy(const ojson& message);
  // Returns the "result" member, or an error response already built with the id.
  ojson Initialize(Session& session, const ojson& id, const ojson& params);
  ojson ListTools(const Session& session, const ojson& id);
  ojson CallTool(const Session& session, const ojson& id, const ojson& params);
  ojson SetLevel(Session& session, const ojson& id, const ojson& params);

  EnginePool* engines_;
  const ToolRegistry* tools_;
  std::string server_version_;
};

}  // namespace qimg::mcp
