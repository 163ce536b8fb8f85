// Asset ids ("#" + hex, SPEC §3.3) as the 64-bit labels the vector index stores. The number of
// hex digits is kept in the top byte so "#00abcdef" and the legacy "#abcdef" stay distinct.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace qimg {

// Ids with more hex digits than this cannot be labels (none are made: new ids have 8).
inline constexpr int kMaxLabelHexDigits = 14;

// nullopt when the id is not "#" + 1..14 lowercase hex digits.
std::optional<uint64_t> AssetIdToLabel(const std::string& id);
// The id a label was made from.
std::string LabelToAssetId(uint64_t label);

}  // namespace qimg
