// Character error rate, the OCR quality measure used by tests and the benchmark.
#pragma once

#include <string>

namespace qimg::facts {

// Every whitespace run (spaces, tabs, newlines) becomes one space; ends trimmed. Column layouts
// (receipts, tables) are aligned with runs of spaces whose length OCR cannot know.
std::string CollapseWhitespace(const std::string& text);

// Drops lines that are only a rule drawn with one repeated punctuation character ("-----",
// "=====", 4 or more): OCR engines treat such rules as graphics (Tesseract removes them as line
// art), so counting them would measure layout, not reading.
std::string StripRuleLines(const std::string& text);

// Levenshtein distance over Unicode code points (invalid UTF-8 bytes count as one each).
size_t EditDistance(const std::string& a, const std::string& b);

// EditDistance(collapsed reference, collapsed hypothesis) / code points of the collapsed
// reference; 0 for two empty texts, 1 for an empty reference with a non-empty hypothesis.
double CharacterErrorRate(const std::string& reference, const std::string& hypothesis);

}  // namespace qimg::facts
