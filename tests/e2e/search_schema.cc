#include "tests/e2e/search_schema.h"

namespace qimg::testing {
namespace {

using ojson = nlohmann::ordered_json;

bool HasType(const ojson& v, const std::string& type) {
  if (type == "null") return v.is_null();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "integer") return v.is_number_integer();
  // JSON Schema numbers include integers; our floats always print with '.', so a float field
  // holding an integer would itself be a bug worth seeing: require a float.
  if (type == "number") return v.is_number_float();
  if (type == "array") return v.is_array();
  if (type == "object") return v.is_object();
  return false;
}

class Validator {
 public:
  explicit Validator(const ojson& root) : root_(root) {}
  std::vector<std::string> errors;

  void Check(const ojson& schema, const ojson& v, const std::string& where) {
    if (schema.contains("$ref")) {
      std::string ref = schema["$ref"];
      const std::string prefix = "#/$defs/";
      if (ref.rfind(prefix, 0) != 0 || !root_["$defs"].contains(ref.substr(prefix.size()))) {
        errors.push_back(where + ": unresolvable $ref " + ref);
        return;
      }
      Check(root_["$defs"][ref.substr(prefix.size())], v, where);
      return;
    }
    if (schema.contains("type")) {
      std::vector<std::string> types;
      if (schema["type"].is_array()) {
        for (const auto& t : schema["type"]) types.push_back(t);
      } else {
        types.push_back(schema["type"]);
      }
      bool ok = false;
      for (const auto& t : types) ok = ok || HasType(v, t);
      if (!ok) {
        errors.push_back(where + ": expected " + schema["type"].dump() + ", got " + v.dump());
        return;
      }
    }
    if (schema.contains("enum")) {
      bool found = false;
      for (const auto& e : schema["enum"]) found = found || e == v;
      if (!found) errors.push_back(where + ": " + v.dump() + " not in " + schema["enum"].dump());
    }
    if (v.is_array()) {
      if (schema.contains("maxItems") && v.size() > schema["maxItems"].get<size_t>())
        errors.push_back(where + ": more than " + schema["maxItems"].dump() + " items");
      if (schema.contains("items"))
        for (size_t i = 0; i < v.size(); ++i)
          Check(schema["items"], v[i], where + "[" + std::to_string(i) + "]");
    }
    if (v.is_object()) CheckObject(schema, v, where);
  }

 private:
  void CheckObject(const ojson& schema, const ojson& v, const std::string& where) {
    if (schema.contains("required"))
      for (const auto& k : schema["required"])
        if (!v.contains(k.get<std::string>())) errors.push_back(where + ": missing " + k.dump());
    if (!schema.contains("properties")) return;
    const ojson& props = schema["properties"];
    bool closed = schema.contains("additionalProperties") && schema["additionalProperties"] == false;
    std::vector<std::string> schema_order, value_order;
    for (auto it = props.begin(); it != props.end(); ++it) schema_order.push_back(it.key());
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (props.contains(it.key())) {
        value_order.push_back(it.key());
        Check(props[it.key()], it.value(), where + "." + it.key());
      } else if (closed) {
        errors.push_back(where + ": unexpected key \"" + it.key() + "\"");
      }
    }
    std::vector<std::string> expected;
    for (const auto& k : schema_order)
      if (v.contains(k)) expected.push_back(k);
    if (expected != value_order) errors.push_back(where + ": keys out of the documented order");
  }

  const ojson& root_;
};

}  // namespace

std::vector<std::string> ValidateJson(const ojson& schema, const ojson& value) {
  Validator v(schema);
  v.Check(schema, value, "$");
  return v.errors;
}

}  // namespace qimg::testing
