#include "base/glob.h"

#include <cctype>

namespace qimg {
namespace {

constexpr size_t kMaxAlternatives = 256;

// Expands the first top-level {...} group recursively.
Status ExpandBraces(const std::string& p, std::vector<std::string>* out) {
  size_t open = std::string::npos;
  int depth = 0;
  bool in_set = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (in_set) {
      if (c == ']') in_set = false;
      continue;
    }
    if (c == '[') in_set = true;
    else if (c == '{') {
      if (depth == 0) open = i;
      ++depth;
    } else if (c == '}') {
      if (depth == 0) return Status::InvalidArgument("mask has an unmatched '}': " + p);
      if (--depth == 0) {
        std::vector<std::string> parts;
        std::string cur;
        int d = 0;
        for (size_t k = open + 1; k < i; ++k) {
          char ch = p[k];
          if (ch == '{') ++d;
          if (ch == '}') --d;
          if (ch == ',' && d == 0) {
            parts.push_back(cur);
            cur.clear();
          } else {
            cur += ch;
          }
        }
        parts.push_back(cur);
        for (const auto& part : parts) {
          QIMG_RETURN_IF_ERROR(
              ExpandBraces(p.substr(0, open) + part + p.substr(i + 1), out));
          if (out->size() > kMaxAlternatives)
            return Status::InvalidArgument("mask expands to too many alternatives");
        }
        return Status::Ok();
      }
    }
  }
  if (depth != 0) return Status::InvalidArgument("mask has an unmatched '{': " + p);
  if (in_set) return Status::InvalidArgument("mask has an unmatched '[': " + p);
  out->push_back(p);
  return Status::Ok();
}

char Fold(char c, bool fold) {
  return fold ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// Matches a set at p[pi] == '['; advances pi past ']'. Returns whether c is in the set.
bool MatchSet(const std::string& p, size_t* pi, char c, bool fold) {
  size_t i = *pi + 1;
  bool negate = i < p.size() && (p[i] == '!' || p[i] == '^');
  if (negate) ++i;
  bool hit = false;
  bool first = true;
  for (; i < p.size() && (p[i] != ']' || first); ++i) {
    first = false;
    char lo = p[i];
    char hi = lo;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      hi = p[i + 2];
      i += 2;
    }
    char fc = Fold(c, fold);
    if ((fc >= Fold(lo, fold) && fc <= Fold(hi, fold)) || (c >= lo && c <= hi)) hit = true;
  }
  *pi = i < p.size() ? i + 1 : i;
  return hit != negate;
}

// Segment-aware match: '*' and '?' do not cross '/', "**" as a whole segment spans segments.
bool MatchFrom(const std::string& p, size_t pi, const std::string& s, size_t si, bool fold,
               bool star_crosses_slash, int budget) {
  if (budget <= 0) return false;
  while (pi < p.size()) {
    char c = p[pi];
    if (c == '*') {
      bool dbl = pi + 1 < p.size() && p[pi + 1] == '*';
      if (dbl && !star_crosses_slash) {
        // "**/" matches zero or more whole segments; a trailing "**" matches the rest.
        size_t next = pi + 2;
        if (next < p.size() && p[next] == '/') ++next;
        if (next >= p.size()) return true;
        for (size_t k = si; k <= s.size(); ++k) {
          if (k == si || s[k - 1] == '/') {
            if (MatchFrom(p, next, s, k, fold, star_crosses_slash, budget - 1)) return true;
          }
        }
        return false;
      }
      size_t next = pi + 1;
      while (next < p.size() && p[next] == '*') ++next;
      for (size_t k = si; k <= s.size(); ++k) {
        if (MatchFrom(p, next, s, k, fold, star_crosses_slash, budget - 1)) return true;
        if (k < s.size() && s[k] == '/' && !star_crosses_slash) break;
      }
      return false;
    }
    if (si >= s.size()) return false;
    if (c == '?') {
      if (s[si] == '/' && !star_crosses_slash) return false;
      ++pi;
      ++si;
    } else if (c == '[') {
      if (!MatchSet(p, &pi, s[si], fold)) return false;
      ++si;
    } else {
      if (Fold(c, fold) != Fold(s[si], fold)) return false;
      ++pi;
      ++si;
    }
  }
  return si == s.size();
}

}  // namespace

Result<GlobMask> GlobMask::Compile(const std::string& mask) {
  if (mask.empty()) return Status::InvalidArgument("mask must not be empty");
  GlobMask g;
  QIMG_RETURN_IF_ERROR(ExpandBraces(mask, &g.alternatives_));
  return g;
}

bool GlobMask::Matches(const std::string& rel_path) const {
  for (const auto& alt : alternatives_) {
    if (alt.find('/') == std::string::npos) {
      auto slash = rel_path.find_last_of('/');
      std::string name = slash == std::string::npos ? rel_path : rel_path.substr(slash + 1);
      if (MatchFrom(alt, 0, name, 0, true, false, 100000)) return true;
    } else if (MatchFrom(alt, 0, rel_path, 0, true, false, 100000)) {
      return true;
    }
  }
  return false;
}

bool ShellPatternMatch(const std::string& pattern, const std::string& text) {
  return MatchFrom(pattern, 0, text, 0, false, true, 100000);
}

}  // namespace qimg
