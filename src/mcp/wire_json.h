// JSON as it travels on the MCP wire: parsing untrusted text without exceptions, and the
// single-line serialisation of SPEC §1.7 (Python's default separators ", " and ": ",
// non-ASCII escaped as \uXXXX, floats in shortest round-trip form).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "base/status.h"

namespace qimg::mcp {

using ojson = nlohmann::ordered_json;

// Deepest array/object nesting we accept in a request. Real MCP messages nest a few levels; the
// limit keeps recursive code (schema checks, serialisation) safe from hostile input.
inline constexpr int kMaxJsonDepth = 64;

// Parses text into a JSON value. InvalidArgument (with the parser's reason) for text that is
// not JSON, not valid UTF-8, or nested deeper than kMaxJsonDepth. Never throws.
Result<ojson> ParseWireJson(std::string_view text);

// One line, no trailing newline. Invalid UTF-8 inside strings is replaced, never thrown on.
std::string DumpWireJson(const ojson& value);

}  // namespace qimg::mcp
