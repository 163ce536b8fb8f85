// Output for people (human), scripts (--files TSV) and agents (--json). Only this file decides
// what goes on stdout; colour is used only when stdout is a terminal and NO_COLOR is unset.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "search/result.h"

namespace qimg {

enum class OutputMode { kHuman, kFiles, kJson };

// True when stdout is a TTY and neither NO_COLOR nor CLICOLOR=0 is set.
bool UseColor();

// Pretty JSON (2-space indent, non-ASCII escaped as \uXXXX, SPEC §1.7) plus a newline.
std::string PrettyJson(const nlohmann::ordered_json& value);

// "key: value" per line, values rendered like the original (True/False/None).
std::string RenderObject(const nlohmann::ordered_json& object);
// A titled table with the given columns (rows are strings).
std::string RenderTable(const std::string& title, const std::vector<std::string>& columns,
                        const std::vector<std::vector<std::string>>& rows);

// SPEC §1.5: human blocks (optionally with debug lines), TSV, or a JSON array. With preview,
// human blocks start with an inline thumbnail when the terminal supports an image protocol.
std::string RenderResults(const std::vector<SearchResult>& results, OutputMode mode, bool debug,
                          bool preview = false);

}  // namespace qimg
