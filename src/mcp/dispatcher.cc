#include "mcp/dispatcher.h"

#include <exception>

#include "base/log.h"
#include "mcp/json_rpc.h"

namespace qimg::mcp {
namespace {

// Structured output and tool titles arrived in 2025-06-18; 2025-03-26 clients get text only.
bool HasStructuredContent(const Session& s) { return s.protocol_version != "2025-03-26"; }

ojson TextBlock(const std::string& text) {
  ojson b = ojson::object();
  b["type"] = "text";
  b["text"] = text;
  return b;
}

ojson ToolError(const std::string& message) {
  ojson r = ojson::object();
  r["content"] = ojson::array({TextBlock(message)});
  r["isError"] = true;
  return r;
}

const char* const kLogLevels[] = {"debug", "info", "notice", "warning",
                                  "error", "critical", "alert", "emergency"};

}  // namespace

bool IsSupportedProtocolVersion(std::string_view version) {
  for (const char* v : kSupportedProtocolVersions)
    if (version == v) return true;
  return false;
}

Dispatcher::Dispatcher(EnginePool* engines, const ToolRegistry* tools, std::string server_version)
    : engines_(engines), tools_(tools), server_version_(std::move(server_version)) {}

ojson Dispatcher::ParseErrorReply(std::string_view text) {
  if (text.find("\"jsonrpc\"") != std::string_view::npos)
    return RpcError(nullptr, kParseError, "Parse error");
  ojson r = ojson::object();
  r["ok"] = false;
  r["error"] = "invalid json";
  return r;
}

std::optional<std::string> Dispatcher::HandleText(Session& session, std::string_view text) {
  auto parsed = ParseWireJson(text);
  if (!parsed.ok()) return DumpWireJson(ParseErrorReply(text));
  auto reply = Handle(session, *parsed);
  if (!reply) return std::nullopt;
  return DumpWireJson(*reply);
}

std::optional<ojson> Dispatcher::Handle(Session& session, const ojson& message) {
  try {
    if (!message.is_array()) return HandleOne(session, message, false);
    if (session.protocol_version != "2025-03-26") {
      return RpcError(nullptr, kInvalidRequest,
                      "JSON-RPC batches are not supported by protocol version " +
                          (session.protocol_version.empty() ? std::string("(none negotiated)")
                                                            : session.protocol_version));
    }
    if (message.empty()) return RpcError(nullptr, kInvalidRequest, "empty batch");
    ojson replies = ojson::array();
    for (const auto& element : message) {
      auto r = HandleOne(session, element, true);
      if (r) replies.push_back(std::move(*r));
    }
    if (replies.empty()) return std::nullopt;
    return replies;
  } catch (const std::exception& e) {
    // Our code does not throw; this guards library calls we did not expect to fail.
    LogError(std::string("mcp: internal error: ") + e.what());
    return RpcError(nullptr, kInternalError, "Internal error");
  }
}

std::optional<ojson> Dispatcher::HandleOne(Session& session, const ojson& message, bool in_batch) {
  if (!in_batch && IsLegacyEnvelope(message)) return HandleLegacy(message);
  RpcMessage m = ClassifyRpc(message);
  switch (m.kind) {
    case RpcKind::kInvalid:
      return RpcError(m.id, kInvalidRequest, "Invalid Request: " + m.error);
    case RpcKind::kResponse:
      return std::nullopt;  // we never send requests, so there is nothing to match it with
    case RpcKind::kNotification:
      if (m.method == "notifications/initialized") session.initialized = true;
      else LogDebug("mcp: notification " + m.method);
      return std::nullopt;
    case RpcKind::kRequest:
      break;
  }
  const ojson& id = m.id;
  if (m.method == "initialize") {
    if (in_batch) return RpcError(id, kInvalidRequest, "initialize must not be part of a batch");
    return Initialize(session, id, m.params);
  }
  if (m.method == "ping") return RpcResult(id, ojson::object());
  if (m.method == "tools/list") return ListTools(session, id);
  if (m.method == "tools/call") return CallTool(session, id, m.params);
  if (m.method == "logging/setLevel") return SetLevel(session, id, m.params);
  return RpcError(id, kMethodNotFound, "Method not found: " + m.method);
}

ojson Dispatcher::Initialize(Session& session, const ojson& id, const ojson& params) {
  if (!session.protocol_version.empty())
    return RpcError(id, kInvalidRequest, "session is already initialized");
  auto pv = params.is_object() ? params.find("protocolVersion") : params.end();
  if (!params.is_object() || pv == params.end() || !pv->is_string())
    return RpcError(id, kInvalidParams, "initialize needs params.protocolVersion (a string)");
  std::string requested = pv->get<std::string>();
  session.protocol_version =
      IsSupportedProtocolVersion(requested) ? requested : std::string(kLatestProtocolVersion);
  ojson caps = ojson::object();
  caps["logging"] = ojson::object();
  ojson tools = ojson::object();
  tools["listChanged"] = false;
  caps["tools"] = tools;
  ojson info = ojson::object();
  info["name"] = "qimg";
  if (HasStructuredContent(session)) info["title"] = "qimg image search";
  info["version"] = server_version_;
  ojson r = ojson::object();
  r["protocolVersion"] = session.protocol_version;
  r["capabilities"] = caps;
  r["serverInfo"] = info;
  r["instructions"] =
      "qimg searches a local image library. Start with qimg_status; use qimg_get / "
      "qimg_multi_get for details of known images and qimg_facts_get for their facts.";
  return RpcResult(id, r);
}

ojson Dispatcher::ListTools(const Session& session, const ojson& id) {
  auto engine = engines_->Acquire();
  ojson list = ojson::array();
  for (const auto& t : tools_->all())
    if (tools_->IsAvailable(t, *engine)) list.push_back(ToolDescriptor(t, HasStructuredContent(session)));
  ojson r = ojson::object();
  r["tools"] = list;
  return RpcResult(id, r);
}

ojson Dispatcher::CallTool(const Session& session, const ojson& id, const ojson& params) {
  if (!params.is_object()) return RpcError(id, kInvalidParams, "tools/call needs an object of params");
  auto name_it = params.find("name");
  if (name_it == params.end() || !name_it->is_string())
    return RpcError(id, kInvalidParams, "tools/call needs params.name (a string)");
  std::string name = name_it->get<std::string>();
  ojson empty = ojson::object();
  const ojson* args = &empty;
  auto args_it = params.find("arguments");
  if (args_it != params.end() && !args_it->is_null()) {
    if (!args_it->is_object())
      return RpcError(id, kInvalidParams, "tools/call params.arguments must be an object");
    args = &*args_it;
  }
  const ToolSpec* tool = tools_->Find(name);
  auto engine = engines_->Acquire();
  if (!tool || !tools_->IsAvailable(*tool, *engine))
    return RpcError(id, kInvalidParams, "Unknown tool: " + name);

  Result<ToolOutput> out = Status::Internal("tool did not run");
  try {
    out = tool->handler(*engine, ToolArgs(*args));
  } catch (const std::exception& e) {
    out = Status::Internal(std::string("internal error: ") + e.what());
  }
  // Tool failures (bad arguments, unknown ids, unreadable files) are results the model can read
  // and act on, not protocol errors (MCP 2025-11-25, tools: error handling).
  if (!out.ok()) return RpcResult(id, ToolError(out.status().message()));

  ojson structured = out->value;
  if (structured.is_array()) {
    ojson wrapped = ojson::object();
    wrapped[tool->list_key.empty() ? "results" : tool->list_key] = std::move(structured);
    structured = std::move(wrapped);
  }
  ojson r = ojson::object();
  ojson content = ojson::array({TextBlock(DumpWireJson(structured))});
  for (auto& block : out->extra_content) content.push_back(std::move(block));
  r["content"] = std::move(content);
  if (HasStructuredContent(session)) r["structuredContent"] = std::move(structured);
  r["isError"] = false;
  return RpcResult(id, r);
}

ojson Dispatcher::SetLevel(Session& session, const ojson& id, const ojson& params) {
  auto lv = params.is_object() ? params.find("level") : params.end();
  if (lv != params.end() && lv->is_string()) {
    for (const char* l : kLogLevels) {
      if (lv->get<std::string>() == l) {
        session.log_level = l;
        return RpcResult(id, ojson::object());
      }
    }
  }
  return RpcError(id, kInvalidParams, "logging/setLevel needs params.level, one of debug, info, "
                                      "notice, warning, error, critical, alert, emergency");
}

ojson Dispatcher::HandleLegacy(const ojson& message) {
  auto fail = [](const std::string& error) {
    ojson r = ojson::object();
    r["ok"] = false;
    r["error"] = error;
    return r;
  };
  auto text_member = [&](const char* key) -> std::string {
    auto it = message.find(key);
    return it != message.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string name = text_member("tool");
  if (name.empty()) name = text_member("method");
  ojson args = ojson::object();
  for (const char* key : {"args", "params"}) {
    auto it = message.find(key);
    if (it == message.end() || it->is_null() || (it->is_object() && it->empty())) continue;
    if (!it->is_object()) return fail(std::string("'") + key + "' must be an object");
    args = *it;
    break;
  }
  const ToolSpec* tool = tools_->Find(name);
  auto engine = engines_->Acquire();
  if (!tool || !tools_->IsAvailable(*tool, *engine))
    return fail("unknown tool: " + (name.empty() ? std::string("None") : name));
  Result<ToolOutput> out = Status::Internal("tool did not run");
  try {
    out = tool->handler(*engine, ToolArgs(args));
  } catch (const std::exception& e) {
    out = Status::Internal(std::string("internal error: ") + e.what());
  }
  if (!out.ok()) return fail(out.status().message());
  ojson r = ojson::object();
  r["ok"] = true;
  r["result"] = std::move(out->value);
  return r;
}

}  // namespace qimg::mcp
