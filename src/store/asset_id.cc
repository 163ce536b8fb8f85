#include "store/asset_id.h"

#include <cstdio>

#include "base/hash.h"
#include "base/text.h"

namespace qimg {

std::string CandidateAssetId(int64_t collection_id, const std::string& rel_path, int salt,
                             int hex_digits) {
  std::string key = std::to_string(collection_id) + ":" + ToLowerAscii(rel_path) + ":" +
                    std::to_string(salt);
  return "#" + Sha1Hex(key).substr(0, static_cast<size_t>(hex_digits));
}

std::string LegacyAssetId(int64_t legacy_id) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "#%06llx", static_cast<unsigned long long>(legacy_id));
  return buf;
}

std::optional<std::string> NormalizeIdInput(const std::string& text) {
  std::string t = Trim(text);
  if (t.size() < 2 || t[0] != '#') return std::nullopt;
  std::string hex = ToLowerAscii(t.substr(1));
  if (StartsWith(hex, "0x")) hex = hex.substr(2);
  std::string out;
  for (char c : hex) {
    if (c == '_') continue;
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    out += c;
  }
  if (out.empty() || out.size() > 40) return std::nullopt;
  return "#" + out;
}

}  // namespace qimg
