#include "mcp/wire_json.h"

namespace qimg::mcp {
namespace {

// Maximum bracket depth outside string literals. Checked before parsing so that neither the
// parser nor anything after it has to cope with pathological nesting.
int NestingDepth(std::string_view text) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') max_depth = std::max(max_depth, ++depth);
    else if (c == ']' || c == '}') --depth;
  }
  return max_depth;
}

void Dump(const ojson& v, std::string* out) {
  switch (v.type()) {
    case ojson::value_t::object: {
      out->push_back('{');
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out->append(", ");
        first = false;
        out->append(ojson(it.key()).dump(-1, ' ', true, ojson::error_handler_t::replace));
        out->append(": ");
        Dump(it.value(), out);
      }
      out->push_back('}');
      return;
    }
    case ojson::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& e : v) {
        if (!first) out->append(", ");
        first = false;
        Dump(e, out);
      }
      out->push_back(']');
      return;
    }
    default:
      out->append(v.dump(-1, ' ', true, ojson::error_handler_t::replace));
  }
}

}  // namespace

Result<ojson> ParseWireJson(std::string_view text) {
  if (NestingDepth(text) > kMaxJsonDepth) {
    return Status::InvalidArgument("JSON nested deeper than " + std::to_string(kMaxJsonDepth));
  }
  try {
    return ojson::parse(text.begin(), text.end());
  } catch (const std::exception& e) {
    return Status::InvalidArgument(e.what());
  }
}

std::string DumpWireJson(const ojson& value) {
  std::string out;
  Dump(value, &out);
  return out;
}

}  // namespace qimg::mcp
