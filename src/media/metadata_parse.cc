#include "media/metadata_parse.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <vector>

#include "base/text.h"

namespace qimg::media_internal {
namespace {

// Consumes exactly n digits at s[*i]; -1 when they are not there.
int Digits(const std::string& s, size_t* i, int n) {
  int v = 0;
  for (int k = 0; k < n; ++k) {
    if (*i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[*i]))) return -1;
    v = v * 10 + (s[(*i)++] - '0');
  }
  return v;
}

std::string Two(int v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

bool ValidDateTime(int y, int mo, int d, int h, int mi, int s) {
  return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 23 && mi >= 0 &&
         mi <= 59 && s >= 0 && s <= 60;
}

std::string IsoOf(int y, int mo, int d, int h, int mi, int s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
  return buf;
}

}  // namespace

std::optional<std::string> NormaliseOffset(const std::string& raw) {
  const std::string t = Trim(raw);
  if (t == "Z" || t == "z") return "+00:00";
  if (t.size() < 3 || (t[0] != '+' && t[0] != '-')) return std::nullopt;
  size_t i = 1;
  const int h = Digits(t, &i, 2);
  if (h < 0 || h > 14) return std::nullopt;
  int m = 0;
  if (i < t.size()) {
    if (t[i] == ':') ++i;
    m = Digits(t, &i, 2);
    if (m < 0 || m > 59 || i != t.size()) return std::nullopt;
  }
  return std::string(1, t[0]) + Two(h) + ":" + Two(m);
}

std::string FormatExposure(int64_t num, int64_t den) {
  const int64_t g = std::gcd(num, den);
  num /= g;
  den /= g;
  const double secs = double(num) / den;
  if (secs <= 0.25001) {
    if (num == 1) return "1/" + std::to_string(den);
    return "1/" + std::to_string(std::llround(1.0 / secs));
  }
  if (den == 1) return std::to_string(num);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", secs);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::optional<std::pair<int64_t, int64_t>> ParseRationalText(const std::string& raw) {
  const std::string t = Trim(raw);
  if (t.empty()) return std::nullopt;
  const size_t slash = t.find('/');
  char* end = nullptr;
  if (slash != std::string::npos) {
    const std::string a = t.substr(0, slash), b = t.substr(slash + 1);
    const long long n = std::strtoll(a.c_str(), &end, 10);
    if (end == a.c_str() || *end != '\0') return std::nullopt;
    const long long d = std::strtoll(b.c_str(), &end, 10);
    if (end == b.c_str() || *end != '\0' || d == 0) return std::nullopt;
    return std::make_pair(int64_t{n}, int64_t{d});
  }
  const double v = std::strtod(t.c_str(), &end);
  if (end == t.c_str() || *end != '\0' || !std::isfinite(v) || std::fabs(v) > 1e9) {
    return std::nullopt;
  }
  return std::make_pair(static_cast<int64_t>(std::llround(v * 1000000)), int64_t{1000000});
}

std::optional<std::pair<std::string, std::string>> ParseXmpDate(const std::string& raw) {
  const std::string t = Trim(raw);
  size_t i = 0;
  const int y = Digits(t, &i, 4);
  if (y < 0) return std::nullopt;
  int mo = 1, d = 1, h = 0, mi = 0, s = 0;
  auto sep = [&](char a, char b) {
    if (i < t.size() && (t[i] == a || t[i] == b)) {
      ++i;
      return true;
    }
    return false;
  };
  if (sep('-', ':')) {
    if ((mo = Digits(t, &i, 2)) < 0) return std::nullopt;
    if (sep('-', ':')) {
      if ((d = Digits(t, &i, 2)) < 0) return std::nullopt;
      if (sep('T', ' ')) {
        if ((h = Digits(t, &i, 2)) < 0 || !sep(':', ':') || (mi = Digits(t, &i, 2)) < 0) {
          return std::nullopt;
        }
        if (sep(':', ':')) {
          if ((s = Digits(t, &i, 2)) < 0) return std::nullopt;
          if (sep('.', ',')) {
            while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
          }
        }
      }
    }
  }
  if (!ValidDateTime(y, mo, d, h, mi, s) || y == 0) return std::nullopt;
  std::string offset;
  if (i < t.size()) {
    auto o = NormaliseOffset(t.substr(i));
    if (!o) return std::nullopt;
    offset = *o;
  }
  return std::make_pair(IsoOf(y, mo, d, h, mi, s), offset);
}

std::optional<double> ParseXmpCoordinate(const std::string& raw, double limit) {
  std::string t = Trim(raw);
  if (t.empty()) return std::nullopt;
  double sign = 1;
  const char last = static_cast<char>(std::toupper(static_cast<unsigned char>(t.back())));
  const bool has_ref = last == 'N' || last == 'S' || last == 'E' || last == 'W';
  if (has_ref) {
    if (last == 'S' || last == 'W') sign = -1;
    t.pop_back();
  }
  std::vector<std::string> parts = Split(t, ',');
  if (parts.empty() || parts.size() > 3) return std::nullopt;
  double v = 0, scale = 1;
  for (const std::string& part : parts) {
    char* end = nullptr;
    const std::string p = Trim(part);
    const double x = std::strtod(p.c_str(), &end);
    if (p.empty() || end == p.c_str() || *end != '\0' || !std::isfinite(x)) return std::nullopt;
    if (scale < 1 && x < 0) return std::nullopt;
    v += x * scale;
    scale /= 60;
  }
  v *= sign;
  if (!std::isfinite(v) || std::fabs(v) > limit) return std::nullopt;
  return v;
}

std::optional<std::pair<std::string, std::string>> ParseIptcDateTime(const std::string& date,
                                                                     const std::string& time) {
  std::string dd;
  for (char c : date) {
    if (std::isdigit(static_cast<unsigned char>(c))) dd += c;
  }
  if (dd.size() != 8) return std::nullopt;
  const int y = std::atoi(dd.substr(0, 4).c_str());
  const int mo = std::atoi(dd.substr(4, 2).c_str());
  const int d = std::atoi(dd.substr(6, 2).c_str());
  int h = 0, mi = 0, s = 0;
  std::string offset;
  const std::string tt = Trim(time);
  if (!tt.empty()) {
    std::string digits;
    size_t i = 0;
    for (; i < tt.size() && digits.size() < 6; ++i) {
      if (std::isdigit(static_cast<unsigned char>(tt[i]))) {
        digits += tt[i];
      } else if (tt[i] != ':') {
        break;
      }
    }
    if (digits.size() == 6) {
      h = std::atoi(digits.substr(0, 2).c_str());
      mi = std::atoi(digits.substr(2, 2).c_str());
      s = std::atoi(digits.substr(4, 2).c_str());
      if (i < tt.size()) offset = NormaliseOffset(tt.substr(i)).value_or("");
    }
  }
  if (!ValidDateTime(y, mo, d, h, mi, s) || y == 0) return std::nullopt;
  return std::make_pair(IsoOf(y, mo, d, h, mi, s), offset);
}

}  // namespace qimg::media_internal

namespace qimg::media_internal {
namespace {

std::string DecodeXmlEntities(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const size_t semi = s.find(';', i);
    if (semi == std::string::npos || semi - i > 10) {
      out += s[i];
      continue;
    }
    const std::string name = s.substr(i + 1, semi - i - 1);
    uint32_t cp = 0;
    if (name == "lt") cp = '<';
    else if (name == "gt") cp = '>';
    else if (name == "amp") cp = '&';
    else if (name == "quot") cp = '"';
    else if (name == "apos") cp = '\'';
    else if (name.size() > 1 && name[0] == '#') {
      cp = static_cast<uint32_t>(name[1] == 'x' ? std::strtoul(name.c_str() + 2, nullptr, 16)
                                                : std::strtoul(name.c_str() + 1, nullptr, 10));
    }
    if (cp == 0 || cp > 0x10FFFF) {
      out += s[i];
      continue;
    }
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += char(0xE0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    } else {
      out += char(0xF0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3F));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    }
    i = semi;
  }
  return out;
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '_' || c == '-' || c == '.';
}

}  // namespace

std::vector<std::string> ScanXmpValues(const std::string& packet, const std::string& qname) {
  std::vector<std::string> out;
  // Attribute form: qname="value" or qname='value' (not preceded by a name character).
  for (size_t at = packet.find(qname); at != std::string::npos; at = packet.find(qname, at + 1)) {
    if (at > 0 && IsNameChar(packet[at - 1])) continue;
    size_t i = at + qname.size();
    if (i < packet.size() && packet[i] == '=' && i + 1 < packet.size() &&
        (packet[i + 1] == '"' || packet[i + 1] == '\'')) {
      const char quote = packet[i + 1];
      const size_t end = packet.find(quote, i + 2);
      if (end == std::string::npos) break;
      out.push_back(Trim(DecodeXmlEntities(packet.substr(i + 2, end - i - 2))));
      return out;
    }
  }
  // Element form: <qname ...>content</qname>.
  const std::string open = "<" + qname;
  const std::string close = "</" + qname + ">";
  for (size_t at = packet.find(open); at != std::string::npos; at = packet.find(open, at + 1)) {
    const size_t after = at + open.size();
    if (after >= packet.size() || IsNameChar(packet[after])) continue;
    const size_t gt = packet.find('>', after);
    if (gt == std::string::npos) break;
    if (packet[gt - 1] == '/') continue;  // empty element
    const size_t end = packet.find(close, gt);
    if (end == std::string::npos) break;
    const std::string content = packet.substr(gt + 1, end - gt - 1);
    if (content.find("<rdf:li") == std::string::npos) {
      std::string v = Trim(DecodeXmlEntities(content));
      if (!v.empty() && v.find('<') == std::string::npos) out.push_back(v);
      return out;
    }
    for (size_t li = content.find("<rdf:li"); li != std::string::npos;
         li = content.find("<rdf:li", li + 1)) {
      const size_t li_gt = content.find('>', li);
      if (li_gt == std::string::npos || content[li_gt - 1] == '/') continue;
      const size_t li_end = content.find("</rdf:li>", li_gt);
      if (li_end == std::string::npos) break;
      std::string v = Trim(DecodeXmlEntities(content.substr(li_gt + 1, li_end - li_gt - 1)));
      if (!v.empty() && v.find('<') == std::string::npos) out.push_back(v);
    }
    return out;
  }
  return out;
}

}  // namespace qimg::media_internal
