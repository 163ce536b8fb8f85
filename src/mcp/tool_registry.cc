#include "mcp/tool_registry.h"

#include <cmath>
#include <limits>

namespace qimg::mcp {

const ojson* ToolArgs::Find(const std::string& name) const {
  if (!args_.is_object()) return nullptr;
  auto it = args_.find(name);
  if (it == args_.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::optional<std::string>> ToolArgs::String(const std::string& name) const {
  const ojson* v = Find(name);
  if (!v) return std::optional<std::string>();
  if (!v->is_string()) return Status::InvalidArgument("argument '" + name + "' must be a string");
  return std::optional<std::string>(v->get<std::string>());
}

Result<std::optional<bool>> ToolArgs::Bool(const std::string& name) const {
  const ojson* v = Find(name);
  if (!v) return std::optional<bool>();
  if (v->is_boolean()) return std::optional<bool>(v->get<bool>());
  if (v->is_number()) return std::optional<bool>(v->get<double>() != 0);
  if (v->is_string()) return std::optional<bool>(!v->get<std::string>().empty());
  return Status::InvalidArgument("argument '" + name + "' must be a boolean");
}

Result<std::optional<int64_t>> ToolArgs::Int(const std::string& name) const {
  const ojson* v = Find(name);
  if (!v) return std::optional<int64_t>();
  Status bad = Status::InvalidArgument("argument '" + name + "' must be an integer");
  if (v->is_number_integer()) return std::optional<int64_t>(v->get<int64_t>());
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15)
      return std::optional<int64_t>(static_cast<int64_t>(d));
    return bad;
  }
  if (v->is_string()) {
    const std::string s = v->get<std::string>();
    size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    if (i == s.size() || s.size() > 18) return bad;
    for (size_t k = i; k < s.size(); ++k)
      if (s[k] < '0' || s[k] > '9') return bad;
    return std::optional<int64_t>(std::stoll(s));
  }
  return bad;
}

Result<std::optional<double>> ToolArgs::Number(const std::string& name) const {
  const ojson* v = Find(name);
  if (!v) return std::optional<double>();
  if (v->is_number()) return std::optional<double>(v->get<double>());
  return Status::InvalidArgument("argument '" + name + "' must be a number");
}

Result<std::vector<std::string>> ToolArgs::StringList(const std::string& name) const {
  std::vector<std::string> out;
  const ojson* v = Find(name);
  if (!v) return out;
  if (v->is_string()) {
    out.push_back(v->get<std::string>());
    return out;
  }
  Status bad = Status::InvalidArgument("argument '" + name + "' must be a string or a list of strings");
  if (!v->is_array()) return bad;
  for (const auto& e : *v) {
    if (!e.is_string()) return bad;
    out.push_back(e.get<std::string>());
  }
  return out;
}

Result<std::optional<std::string>> ToolArgs::FirstString(const std::vector<std::string>& names) const {
  for (const auto& n : names) {
    QIMG_ASSIGN_OR_RETURN(auto v, String(n));
    if (v && !v->empty()) return v;
  }
  return std::optional<std::string>();
}

void ToolRegistry::Add(ToolSpec spec) { tools_.push_back(std::move(spec)); }

const ToolSpec* ToolRegistry::Find(const std::string& name) const {
  for (const auto& t : tools_)
    if (t.name == name) return &t;
  return nullptr;
}

bool ToolRegistry::IsAvailable(const ToolSpec& spec, Engine& engine) const {
  return !spec.available || spec.available(engine);
}

ojson ToolDescriptor(const ToolSpec& spec, bool with_output_schema) {
  ojson t = ojson::object();
  t["name"] = spec.name;
  if (with_output_schema) t["title"] = spec.title;
  t["description"] = spec.description;
  t["inputSchema"] = spec.input_schema;
  if (with_output_schema) t["outputSchema"] = spec.output_schema;
  ojson ann = ojson::object();
  ann["title"] = spec.title;
  ann["readOnlyHint"] = spec.read_only;
  ann["openWorldHint"] = false;
  t["annotations"] = ann;
  return t;
}

}  // namespace qimg::mcp
