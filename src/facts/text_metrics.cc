#include "facts/text_metrics.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace qimg::facts {
namespace {

std::vector<uint32_t> CodePoints(const std::string& s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + n > s.size()) n = 1;
    uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

}  // namespace

std::string CollapseWhitespace(const std::string& text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  return out;
}

std::string StripRuleLines(const std::string& text) {
  std::string out;
  size_t start = 0;
  bool first = true;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    const std::string t = CollapseWhitespace(line);
    bool rule = t.size() >= 4 && std::ispunct(static_cast<unsigned char>(t[0])) &&
                t.find_first_not_of(t[0]) == std::string::npos;
    if (!rule) {
      if (!first) out += '\n';
      out += line;
      first = false;
    }
    start = end + 1;
  }
  return out;
}

size_t EditDistance(const std::string& a_text, const std::string& b_text) {
  const auto a = CodePoints(a_text), b = CodePoints(b_text);
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

double CharacterErrorRate(const std::string& reference, const std::string& hypothesis) {
  const std::string ref = CollapseWhitespace(reference), hyp = CollapseWhitespace(hypothesis);
  const size_t n = CodePoints(ref).size();
  if (n == 0) return hyp.empty() ? 0.0 : 1.0;
  return static_cast<double>(EditDistance(ref, hyp)) / static_cast<double>(n);
}

}  // namespace qimg::facts
