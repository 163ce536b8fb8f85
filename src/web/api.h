// The gallery's JSON endpoints as plain functions over an Engine (no HTTP here: routes.cc is
// the adapter). Every function returns a value or a Status; nothing throws on bad input.
// Status codes map to HTTP by HttpStatusFor: InvalidArgument 400, NotFound 404,
// Unavailable 503, anything else 500.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "app/engine.h"
#include "base/status.h"
#include "search/filters.h"

namespace qimg::web {

using ojson = nlohmann::ordered_json;
// Query parameters as the HTTP layer decoded them (httplib::Params is this type).
using Params = std::multimap<std::string, std::string>;

inline constexpr int kDefaultPageSize = 48;
inline constexpr int kMaxPageSize = 200;
// Pages are cut from one ranked list of offset+n results; the lexical search caps a list at
// 10000, so deeper pages do not exist.
inline constexpr int kMaxResultDepth = 10000;

struct SearchRequest {
  std::string query;
  std::string mode = "search";  // search | vsearch | query
  int n = kDefaultPageSize;
  int offset = 0;
  FilterArgs filters;
};

// Which modes and features this build's Engine offers: {"modes": {"search": {"available":
// true}, "vsearch": {...}, "query": {"available": false, "reason": "..."}}, "similar": bool}.
ojson Capabilities();

// Validates q/mode/n/offset and the filter parameters (collection, path_prefix, after, before,
// min_width, min_height). InvalidArgument naming the parameter otherwise.
Result<SearchRequest> ParseSearchRequest(const Params& params);

// One page: {"query", "mode", "offset", "n", "has_more", "results": [ResultToJson + "thumb"]}.
// Unavailable for a mode this build or library cannot run (e.g. no image model installed).
Result<ojson> SearchPage(Engine& engine, const SearchRequest& request);

// True for "#" followed by 1-64 lowercase or uppercase hex digits (the "#" optional).
bool IsValidAssetId(std::string_view id);
// Looks the id up in the database: NotFound unless it names one indexed, not-deleted asset.
// InvalidArgument for anything that is not an id (paths never reach the file system).
Result<AssetRow> ResolveIndexedAsset(Engine& engine, std::string_view id);

// The detail view: ResultToJson plus "all_facts" (every fact row with parsed value_json),
// "boxes" (object facts carrying {"bbox_xyxy": [x0, y0, x1, y1]}), "gps" ({lat, lon} or null)
// and "folder" (the asset folder's qimg:// path, for editing its context).
Result<ojson> AssetDetail(Engine& engine, std::string_view id);

// {"results": [...]} of images similar to the asset; Unavailable when this build has none.
Result<ojson> SimilarPage(Engine& engine, std::string_view id, int n);

// Body {"path": "qimg://...", "text": "..."} -> Engine::AddContext -> {"ok": true, "context"}.
Result<ojson> SetContext(Engine& engine, const std::string& body);

int HttpStatusFor(const Status& status);

}  // namespace qimg::web
