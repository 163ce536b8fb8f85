// JSON-RPC 2.0 framing (https://www.jsonrpc.org/specification) as MCP uses it: classifying a
// decoded message, and building responses. Nothing here knows about tools or transports.
#pragma once

#include <optional>
#include <string>

#include "mcp/wire_json.h"

namespace qimg::mcp {

enum RpcErrorCode : int {
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
};

enum class RpcKind {
  kRequest,       // has an id: exactly one response is owed
  kNotification,  // no id: no response, ever
  kResponse,      // a client's answer to a server request (we send none, so these are dropped)
  kInvalid,       // not a JSON-RPC 2.0 message: answer with `error` (id when one could be read)
};

struct RpcMessage {
  RpcKind kind = RpcKind::kInvalid;
  ojson id;  // string or number for requests; null when absent or unreadable
  std::string method;
  ojson params = ojson::object();  // absent params read as {}
  std::string error;               // why kInvalid
};

// Classifies one decoded element (an object; arrays are batches, handled by the caller).
// Rules: "jsonrpc" must be exactly "2.0"; "method" a string; "params", when present, an object
// or array; "id", when present, a string or a number (MCP forbids null ids, so a null id makes
// the request invalid); a message with "result" or "error" and no "method" is a response.
RpcMessage ClassifyRpc(const ojson& message);

// True when the element is a legacy qimg envelope (SPEC §11.1): an object without "jsonrpc".
bool IsLegacyEnvelope(const ojson& message);

ojson RpcResult(const ojson& id, ojson result);
ojson RpcError(const ojson& id, int code, const std::string& message,
               const std::optional<ojson>& data = std::nullopt);

}  // namespace qimg::mcp
