// String helpers shared by every layer. UTF-8 in, UTF-8 out; invalid UTF-8 is tolerated
// (bytes are passed through or replaced, never crash).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace qimg {

std::string Trim(std::string_view s);
std::string ToLowerAscii(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
std::vector<std::string> Split(std::string_view s, char sep);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
std::string ReplaceAll(std::string s, std::string_view from, std::string_view to);
// True when s is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);
// Replaces invalid UTF-8 sequences by U+FFFD so the result is safe to put in JSON.
std::string SanitizeUtf8(std::string_view s);
// The original's ASCII tokenizer (SPEC §7.1): maximal runs of [A-Za-z0-9], lowercased.
std::vector<std::string> AsciiTokens(std::string_view s);
// Python-style repr of a double: shortest round-trip, always with '.' or exponent (SPEC §1.7).
std::string FormatPyFloat(double v);
// printf("%.*f").
std::string FormatFixed(double v, int decimals);

}  // namespace qimg
