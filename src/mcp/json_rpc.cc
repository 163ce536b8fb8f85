#include "mcp/json_rpc.h"

namespace qimg::mcp {

bool IsLegacyEnvelope(const ojson& message) {
  return message.is_object() && !message.contains("jsonrpc");
}

RpcMessage ClassifyRpc(const ojson& message) {
  RpcMessage m;
  m.id = nullptr;
  if (!message.is_object()) {
    m.error = "request must be a JSON object";
    return m;
  }
  // Read the id first so that even an invalid request is answered with its own id.
  auto id_it = message.find("id");
  bool has_id = id_it != message.end();
  bool id_ok = has_id && (id_it->is_string() || id_it->is_number());
  if (id_ok) m.id = *id_it;

  auto ver = message.find("jsonrpc");
  if (ver == message.end() || !ver->is_string() || ver->get<std::string>() != "2.0") {
    m.error = "\"jsonrpc\" must be \"2.0\"";
    return m;
  }
  auto method = message.find("method");
  if (method == message.end()) {
    if (id_ok && (message.contains("result") || message.contains("error"))) {
      m.kind = RpcKind::kResponse;
      return m;
    }
    m.error = "\"method\" is missing";
    return m;
  }
  if (!method->is_string()) {
    m.error = "\"method\" must be a string";
    return m;
  }
  if (has_id && !id_ok) {
    m.error = "\"id\" must be a string or a number";
    return m;
  }
  auto params = message.find("params");
  if (params != message.end()) {
    if (!params->is_object() && !params->is_array()) {
      m.error = "\"params\" must be an object or an array";
      return m;
    }
    m.params = *params;
  }
  m.method = method->get<std::string>();
  m.kind = has_id ? RpcKind::kRequest : RpcKind::kNotification;
  return m;
}

ojson RpcResult(const ojson& id, ojson result) {
  ojson r = ojson::object();
  r["jsonrpc"] = "2.0";
  r["id"] = id;
  r["result"] = std::move(result);
  return r;
}

ojson RpcError(const ojson& id, int code, const std::string& message,
               const std::optional<ojson>& data) {
  ojson e = ojson::object();
  e["code"] = code;
  e["message"] = message;
  if (data) e["data"] = *data;
  ojson r = ojson::object();
  r["jsonrpc"] = "2.0";
  r["id"] = id;
  r["error"] = std::move(e);
  return r;
}

}  // namespace qimg::mcp
