// A small JSON Schema validator for the subset docs/result.schema.json uses: type (one name or
// a list), properties, required, additionalProperties: false, items, maxItems, enum and local
// $ref ("#/$defs/NAME"). It also checks that object keys come in the order the schema lists
// them, which JSON Schema itself cannot express but SPEC §1.5 requires.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace qimg::testing {

// Returns one message per violation ("$[0].scores.overall: expected number, got null");
// empty when the value conforms.
std::vector<std::string> ValidateJson(const nlohmann::ordered_json& schema,
                                      const nlohmann::ordered_json& value);

}  // namespace qimg::testing
