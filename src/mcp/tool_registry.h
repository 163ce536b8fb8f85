// The table of MCP tools. Each tool declares its schemas and a handler over an Engine; the
// dispatcher turns handler outcomes into MCP results (structuredContent + text) or legacy
// envelopes. A tool is registered only when the Engine capability behind it exists, and may
// additionally ask at run time whether it is usable (e.g. vectors present), so tools/list
// never advertises a tool that cannot work.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/engine.h"
#include "base/status.h"
#include "mcp/wire_json.h"

namespace qimg::mcp {

// Typed access to a tools/call "arguments" object (or a legacy "args" object). Wrong types are
// InvalidArgument naming the argument; absent and null arguments read as nullopt.
class ToolArgs {
 public:
  explicit ToolArgs(const ojson& args) : args_(args) {}
  Result<std::optional<std::string>> String(const std::string& name) const;
  // Booleans, or the truthiness of numbers and strings (the legacy envelope's convention).
  Result<std::optional<bool>> Bool(const std::string& name) const;
  // Integers, integral floats, or decimal strings (legacy clients send "10").
  Result<std::optional<int64_t>> Int(const std::string& name) const;
  Result<std::optional<double>> Number(const std::string& name) const;
  // A list of strings, or one string standing for a list of one.
  Result<std::vector<std::string>> StringList(const std::string& name) const;
  // The first of the names that is present and non-empty (e.g. "id" then "path").
  Result<std::optional<std::string>> FirstString(const std::vector<std::string>& names) const;

 private:
  const ojson* Find(const std::string& name) const;
  const ojson& args_;
};

struct ToolOutput {
  // What the tool computed: the legacy envelope's "result" as is, and the MCP structuredContent
  // (arrays are wrapped as {list_key: value}).
  ojson value;
  // Extra MCP content blocks after the text block, e.g. an image.
  std::vector<ojson> extra_content;
};

using ToolHandler = std::function<Result<ToolOutput>(Engine&, const ToolArgs&)>;

struct ToolSpec {
  std::string name;
  std::string title;
  std::string description;
  ojson input_schema;
  ojson output_schema;
  std::string list_key;  // for tools whose value is an array
  bool read_only = true;
  std::function<bool(Engine&)> available;  // null: always usable
  ToolHandler handler;
};

class ToolRegistry {
 public:
  void Add(ToolSpec spec);
  // The registered tool, whether or not currently available; nullptr when unknown.
  const ToolSpec* Find(const std::string& name) const;
  bool IsAvailable(const ToolSpec& spec, Engine& engine) const;
  const std::vector<ToolSpec>& all() const { return tools_; }

 private:
  std::vector<ToolSpec> tools_;
};

// The MCP tool descriptor for tools/list; output schemas only for protocol versions that know
// them (2025-06-18 and later).
ojson ToolDescriptor(const ToolSpec& spec, bool with_output_schema);

}  // namespace qimg::mcp
