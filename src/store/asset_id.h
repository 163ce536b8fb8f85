// Asset identifiers: "#" + lowercase hex. New assets get 8 hex digits of
// SHA-1("<collection_id>:<lowercased rel_path>:<salt>") (the original used 6, which collides
// past a few thousand assets); migrated legacy assets keep "#" + hex(id) padded to 6.
// Users may type any unique prefix of at least 4 hex digits, like git.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace qimg {

inline constexpr int kAssetIdHexDigits = 8;
inline constexpr int kMinIdPrefixDigits = 4;

// The candidate id for (collection, rel_path) with a salt; callers try salt 0, 1, … until
// the candidate is free or already belongs to the same (collection, rel_path).
std::string CandidateAssetId(int64_t collection_id, const std::string& rel_path, int salt,
                             int hex_digits = kAssetIdHexDigits);
// "#" + hex(legacy integer id), at least 6 digits (SPEC §3.3).
std::string LegacyAssetId(int64_t legacy_id);
// Normalises user input that looks like an id: trims, requires '#', lowercases, strips an
// optional "0x", drops '_' separators; returns "#<hex>" or nullopt when it is not hex.
std::optional<std::string> NormalizeIdInput(const std::string& text);

}  // namespace qimg
