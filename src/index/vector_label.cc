#include "index/vector_label.h"

namespace qimg {

std::optional<uint64_t> AssetIdToLabel(const std::string& id) {
  if (id.size() < 2 || id[0] != '#' || id.size() - 1 > kMaxLabelHexDigits) return std::nullopt;
  uint64_t v = 0;
  for (size_t i = 1; i < id.size(); ++i) {
    char c = id[i];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return std::nullopt;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return (static_cast<uint64_t>(id.size() - 1) << 56) | v;
}

std::string LabelToAssetId(uint64_t label) {
  int digits = static_cast<int>(label >> 56);
  uint64_t v = label & ((uint64_t{1} << 56) - 1);
  std::string s(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) s[static_cast<size_t>(i)] = "0123456789abcdef"[v & 15];
  return "#" + s;
}

}  // namespace qimg
