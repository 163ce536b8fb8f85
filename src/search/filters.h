// The shared retrieval filters as the user types them (SPEC §1.2: -c, --path-prefix, --after,
// --before, --min-width, --min-height), validated into a store AssetFilter. search, vsearch
// and query all go through here, so a filter means the same thing in every channel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "store/asset_filter.h"

namespace qimg {

struct FilterArgs {
  std::optional<std::string> collection;
  // A rel_path prefix ("2024/japan/"), or "qimg://collection/prefix" which also sets the
  // collection.
  std::optional<std::string> path_prefix;
  std::optional<std::string> after;   // YYYY-MM-DD[THH:MM[:SS]], local time, inclusive
  std::optional<std::string> before;  // same; a bare day includes the whole day
  std::optional<int64_t> min_width;
  std::optional<int64_t> min_height;
};

// InvalidArgument naming the flag for an unparsable date ("--after: ..."), a negative size,
// or a qimg:// prefix whose collection contradicts -c. Never silently drops a filter.
Result<AssetFilter> ParseFilterArgs(const FilterArgs& args);

// The settings every retrieval mode shares, copied into that mode's options struct
// (LexicalSearchOptions, VectorSearchOptions and QueryOptions all have these members), so the
// CLI, MCP and web front ends fill them the same way.
template <typename Options>
Options MakeRetrievalOptions(int num, bool all, double min_score, const AssetFilter& filter) {
  Options o;
  o.num = num;
  o.all = all;
  o.min_score = min_score;
  o.filter = filter;
  return o;
}

}  // namespace qimg
