#include "web/api.h"

#include <algorithm>
#include <charconv>
#include <type_traits>

#include "base/text.h"
#include "store/fact_store.h"

namespace qimg::web {
namespace {

// Vector search and similar images come from another subsystem that may not be in this build
// yet. The calls are resolved at compile time against whatever Engine declares, so the gallery
// builds either way and offers exactly the modes the Engine has.
template <typename E>
concept HasVectorSearch = requires { &E::VectorSearch; };
template <typename E>
concept HasSimilar = requires { &E::Similar; };

// The (cv-ref stripped) type of a member function's second parameter: its options struct.
template <typename F>
struct SecondParam;
template <typename R, typename C, typename A1, typename A2, typename... Rest>
struct SecondParam<R (C::*)(A1, A2, Rest...)> {
  using type = std::remove_cvref_t<A2>;
};

template <typename E>
Result<std::vector<SearchResult>> RunVectorSearch(E& engine, const std::string& query, int num,
                                                  const AssetFilter& filter) {
  if constexpr (HasVectorSearch<E>) {
    typename SecondParam<decltype(&E::VectorSearch)>::type options;
    options.num = num;
    options.filter = filter;
    return engine.VectorSearch(query, options);
  } else {
    return Status::Unavailable("vector search is not part of this build");
  }
}

template <typename E>
Result<std::vector<SearchResult>> RunSimilar(E& engine, const std::string& id, int num) {
  if constexpr (HasSimilar<E>) {
    typename SecondParam<decltype(&E::Similar)>::type options;
    options.num = num;
    return engine.Similar(id, options);
  } else {
    return Status::Unavailable("similar images are not part of this build");
  }
}

std::optional<std::string> Param(const Params& params, const std::string& key) {
  auto it = params.find(key);
  if (it == params.end()) return std::nullopt;
  std::string v = Trim(it->second);
  if (v.empty()) return std::nullopt;
  return v;
}

Result<std::optional<int64_t>> IntParam(const Params& params, const std::string& key, int64_t lo,
                                        int64_t hi) {
  auto v = Param(params, key);
  if (!v) return std::optional<int64_t>();
  int64_t out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size() || out < lo || out > hi)
    return Status::InvalidArgument(key + ": expected an integer from " + std::to_string(lo) +
                                   " to " + std::to_string(hi));
  return std::optional<int64_t>(out);
}

std::string HexOf(const std::string& id) { return id.empty() || id[0] != '#' ? id : id.substr(1); }

ojson WithLinks(const SearchResult& r) {
  ojson j = ResultToJson(r);
  std::string hex = HexOf(r.asset.id);
  j["thumb"] = "/api/thumb/" + hex + "?size=256";
  j["image"] = "/api/thumb/" + hex + "?size=1024";
  return j;
}

// The qimg:// path of the asset's folder ("qimg://photos/trips/kyoto", or the collection root).
std::string FolderPath(const AssetRow& a) {
  std::string dir = a.rel_path;
  auto slash = dir.rfind('/');
  dir = slash == std::string::npos ? "" : dir.substr(0, slash);
  return "qimg://" + a.collection + (dir.empty() ? "" : "/" + dir);
}

}  // namespace

ojson Capabilities() {
  auto mode = [](bool available, const char* reason) {
    ojson m = ojson::object();
    m["available"] = available;
    if (!available) m["reason"] = reason;
    return m;
  };
  ojson out = ojson::object();
  ojson modes = ojson::object();
  modes["search"] = mode(true, "");
  modes["vsearch"] = mode(HasVectorSearch<Engine>, "vector search is not part of this build");
  // Hybrid query: expansion + lexical + vectors + fusion (without an image model it answers
  // from the lexical and OCR channels).
  modes["query"] = mode(true, "");
  out["modes"] = modes;
  out["similar"] = HasSimilar<Engine>;
  out["page_size"] = kDefaultPageSize;
  return out;
}

Result<SearchRequest> ParseSearchRequest(const Params& params) {
  SearchRequest r;
  r.query = Param(params, "q").value_or("");
  r.mode = Param(params, "mode").value_or("search");
  if (r.mode != "search" && r.mode != "vsearch" && r.mode != "query")
    return Status::InvalidArgument("mode: expected search, vsearch or query");
  QIMG_ASSIGN_OR_RETURN(auto n, IntParam(params, "n", 1, kMaxPageSize));
  QIMG_ASSIGN_OR_RETURN(auto offset, IntParam(params, "offset", 0, kMaxResultDepth));
  if (n) r.n = static_cast<int>(*n);
  if (offset) r.offset = static_cast<int>(*offset);
  r.filters.collection = Param(params, "collection");
  r.filters.path_prefix = Param(params, "path_prefix");
  r.filters.after = Param(params, "after");
  r.filters.before = Param(params, "before");
  QIMG_ASSIGN_OR_RETURN(r.filters.min_width, IntParam(params, "min_width", 0, 1000000000));
  QIMG_ASSIGN_OR_RETURN(r.filters.min_height, IntParam(params, "min_height", 0, 1000000000));
  return r;
}

Result<ojson> SearchPage(Engine& engine, const SearchRequest& request) {
  QIMG_ASSIGN_OR_RETURN(AssetFilter filter, ParseFilterArgs(request.filters));
  // One more than the page tells whether another page exists.
  int want = std::min(request.offset + request.n + 1, kMaxResultDepth);
  std::vector<SearchResult> results;
  if (request.mode == "search") {
    LexicalSearchOptions options;
    options.num = want;
    options.filter = filter;
    QIMG_ASSIGN_OR_RETURN(results, engine.Search(request.query, options));
  } else if (request.mode == "vsearch") {
    if (Trim(request.query).empty()) return Status::InvalidArgument("vsearch needs a query");
    QIMG_ASSIGN_OR_RETURN(results, RunVectorSearch(engine, request.query, want, filter));
  } else {
    if (Trim(request.query).empty()) return Status::InvalidArgument("query needs a query");
    QueryOptions options;
    options.num = want;
    options.filter = filter;
    QIMG_ASSIGN_OR_RETURN(results, engine.Query(request.query, options));
  }
  ojson out = ojson::object();
  out["query"] = request.query;
  out["mode"] = request.mode;
  out["offset"] = request.offset;
  out["n"] = request.n;
  size_t begin = std::min<size_t>(request.offset, results.size());
  size_t end = std::min<size_t>(begin + request.n, results.size());
  out["has_more"] = results.size() > end && static_cast<int>(end) < kMaxResultDepth;
  ojson list = ojson::array();
  for (size_t i = begin; i < end; ++i) list.push_back(WithLinks(results[i]));
  out["results"] = list;
  return out;
}

bool IsValidAssetId(std::string_view id) {
  if (!id.empty() && id[0] == '#') id.remove_prefix(1);
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

Result<AssetRow> ResolveIndexedAsset(Engine& engine, std::string_view id) {
  if (!IsValidAssetId(id)) return Status::InvalidArgument("not an asset id");
  std::string hex = ToLowerAscii(std::string(id[0] == '#' ? id.substr(1) : id));
  auto row = engine.Resolve("#" + hex);
  if (!row.ok()) {
    if (row.status().code() == StatusCode::kInvalidArgument) return row.status();  // ambiguous
    return Status::NotFound("no indexed asset " + ("#" + hex));
  }
  // Resolve falls back to path lookups; accept only a row whose id the request really named.
  if (!StartsWith(ToLowerAscii(row->id), "#" + hex) || row->is_deleted)
    return Status::NotFound("no indexed asset #" + hex);
  return *row;
}

Result<ojson> AssetDetail(Engine& engine, std::string_view id) {
  QIMG_ASSIGN_OR_RETURN(AssetRow asset, ResolveIndexedAsset(engine, id));
  QIMG_ASSIGN_OR_RETURN(auto results, engine.Get(asset.id));
  if (results.empty()) return Status::NotFound("no indexed asset " + asset.id);
  ojson out = WithLinks(results[0]);
  QIMG_ASSIGN_OR_RETURN(auto facts, engine.ListFacts(asset.id));
  ojson all = ojson::array();
  ojson boxes = ojson::array();
  for (const FactRow& f : facts) {
    ojson j = ojson::object();
    j["type"] = f.fact_type;
    j["key"] = f.key ? ojson(*f.key) : ojson(nullptr);
    j["text"] = f.value_text ? ojson(SanitizeUtf8(*f.value_text)) : ojson(nullptr);
    ojson value = nullptr;
    if (f.value_json) {
      value = ojson::parse(*f.value_json, nullptr, false);
      if (value.is_discarded()) value = nullptr;  // a damaged row is shown without its value
    }
    j["value"] = value;
    j["confidence"] = f.confidence ? ojson(*f.confidence) : ojson(nullptr);
    j["source"] = f.source;
    all.push_back(j);
    if (f.fact_type == "object" && value.is_object() && value.contains("bbox_xyxy")) {
      const ojson& b = value["bbox_xyxy"];
      if (b.is_array() && b.size() == 4 &&
          std::all_of(b.begin(), b.end(), [](const ojson& v) { return v.is_number(); })) {
        ojson box = ojson::object();
        box["label"] = f.value_text ? ojson(SanitizeUtf8(*f.value_text)) : ojson("");
        box["conf"] = f.confidence ? ojson(*f.confidence) : ojson(nullptr);
        box["bbox_xyxy"] = b;
        boxes.push_back(box);
      }
    }
  }
  out["all_facts"] = all;
  out["boxes"] = boxes;
  const ojson& exif = out["facts"]["exif"];
  if (exif.contains("gps_latitude") && exif.contains("gps_longitude") &&
      exif["gps_latitude"].is_number() && exif["gps_longitude"].is_number()) {
    ojson gps = ojson::object();
    gps["lat"] = exif["gps_latitude"];
    gps["lon"] = exif["gps_longitude"];
    out["gps"] = gps;
  } else {
    out["gps"] = nullptr;
  }
  out["folder"] = FolderPath(asset);
  return out;
}

Result<ojson> SimilarPage(Engine& engine, std::string_view id, int n) {
  QIMG_ASSIGN_OR_RETURN(AssetRow asset, ResolveIndexedAsset(engine, id));
  QIMG_ASSIGN_OR_RETURN(auto results, RunSimilar(engine, asset.id, n));
  ojson list = ojson::array();
  for (const auto& r : results) list.push_back(WithLinks(r));
  ojson out = ojson::object();
  out["results"] = list;
  return out;
}

Result<ojson> SetContext(Engine& engine, const std::string& body) {
  ojson in = ojson::parse(body, nullptr, false);
  if (in.is_discarded() || !in.is_object()) return Status::InvalidArgument("body must be a JSON object");
  if (!in.contains("path") || !in["path"].is_string() || !in.contains("text") || !in["text"].is_string())
    return Status::InvalidArgument("body needs string fields \"path\" and \"text\"");
  std::string text = in["text"].get<std::string>();
  if (Trim(text).empty()) return Status::InvalidArgument("context text must not be empty");
  QIMG_ASSIGN_OR_RETURN(ContextRow row, engine.AddContext(in["path"].get<std::string>(), text));
  ojson out = ojson::object();
  out["ok"] = true;
  ojson ctx = ojson::object();
  ctx["virtual_path"] = row.virtual_path;
  ctx["text"] = row.text;
  out["context"] = ctx;
  return out;
}

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kUnavailable: return 503;
    default: return 500;
  }
}

}  // namespace qimg::web
