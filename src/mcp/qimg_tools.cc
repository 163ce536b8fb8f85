#include "mcp/qimg_tools.h"

#include <algorithm>

#include "app/report_json.h"
#include "media/decode.h"
#include "search/filters.h"
#include "search/lexical_search.h"
#include "search/result.h"

namespace qimg::mcp {
namespace {

// Our own schema literals; parsed without exceptions (a typo shows up as a null schema, which
// the registry test catches).
ojson Schema(const char* text) { return ojson::parse(text, nullptr, false); }

constexpr const char* kResultSchema = R"({
  "type": "object",
  "description": "One image with its metadata, inherited contexts, fact summary and scores.",
  "properties": {
    "id": {"type": "string"}, "path": {"type": "string"}, "rel_path": {"type": "string"},
    "collection": {"type": "string"}, "metadata": {"type": "object"},
    "contexts": {"type": "array", "items": {"type": "object"}},
    "facts": {"type": "object"}, "scores": {"type": "object"}
  },
  "required": ["id", "path", "rel_path", "collection", "metadata", "contexts", "facts", "scores"]
})";

ojson ResultListSchema() {
  ojson s = ojson::object();
  s["type"] = "object";
  ojson props = ojson::object();
  ojson arr = ojson::object();
  arr["type"] = "array";
  arr["items"] = Schema(kResultSchema);
  props["results"] = arr;
  s["properties"] = props;
  s["required"] = ojson::array({"results"});
  return s;
}

ToolSpec GetTool() {
  ToolSpec t;
  t.name = "qimg_get";
  t.title = "Get one image";
  t.description =
      "Show one indexed image by asset id (#hex or a unique prefix), absolute or relative path, "
      "or qimg://collection/path. With thumbnail=true also returns a JPEG thumbnail (max side "
      "512) as image content.";
  t.input_schema = Schema(R"({
    "type": "object",
    "properties": {
      "id": {"type": "string", "description": "asset id, id prefix, path or qimg:// path"},
      "path": {"type": "string", "description": "alternative to id"},
      "thumbnail": {"type": "boolean", "default": false, "description": "attach a JPEG thumbnail"},
      "thumbnail_size": {"type": "integer", "minimum": 16, "maximum": 512, "default": 512}
    }
  })");
  t.output_schema = Schema(kResultSchema);
  t.handler = [](Engine& e, const ToolArgs& args) -> Result<ToolOutput> {
    QIMG_ASSIGN_OR_RETURN(auto ident, args.FirstString({"id", "path"}));
    if (!ident) return Status::InvalidArgument("qimg_get needs 'id' or 'path'");
    QIMG_ASSIGN_OR_RETURN(auto thumb, args.Bool("thumbnail"));
    QIMG_ASSIGN_OR_RETURN(auto size, args.Int("thumbnail_size"));
    QIMG_ASSIGN_OR_RETURN(auto results, e.Get(*ident));
    if (results.empty()) return Status::NotFound("no asset matches '" + *ident + "'");
    ToolOutput out;
    out.value = ResultToJson(results[0]);
    if (thumb.value_or(false)) {
      int side = static_cast<int>(std::clamp<int64_t>(size.value_or(kMaxThumbnailSide), 16,
                                                       kMaxThumbnailSide));
      // Only the indexed asset's own file is ever read: the path comes from the database row,
      // never from the request.
      QIMG_ASSIGN_OR_RETURN(std::string jpeg, ThumbnailJpeg(results[0].asset.abs_path, side, 80));
      ojson img = ojson::object();
      img["type"] = "image";
      img["data"] = Base64Encode(jpeg);
      img["mimeType"] = "image/jpeg";
      out.extra_content.push_back(std::move(img));
    }
    return out;
  };
  return t;
}

ToolSpec MultiGetTool() {
  ToolSpec t;
  t.name = "qimg_multi_get";
  t.title = "Get several images";
  t.description =
      "Show several indexed images: identifiers (ids, paths, qimg:// paths) and/or a shell glob "
      "over absolute or relative paths. Every identifier must resolve.";
  t.input_schema = Schema(R"({
    "type": "object",
    "properties": {
      "ids": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
      "paths": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
      "glob": {"type": "string", "description": "e.g. */2024/*.jpg"}
    }
  })");
  t.output_schema = ResultListSchema();
  t.list_key = "results";
  t.handler = [](Engine& e, const ToolArgs& args) -> Result<ToolOutput> {
    QIMG_ASSIGN_OR_RETURN(auto ids, args.StringList("ids"));
    QIMG_ASSIGN_OR_RETURN(auto paths, args.StringList("paths"));
    QIMG_ASSIGN_OR_RETURN(auto glob, args.String("glob"));
    ids.insert(ids.end(), paths.begin(), paths.end());
    if (glob && glob->empty()) glob.reset();
    if (ids.empty() && !glob) return Status::InvalidArgument("qimg_multi_get needs 'ids', 'paths' or 'glob'");
    QIMG_ASSIGN_OR_RETURN(auto results, e.MultiGet(ids, glob));
    ToolOutput out;
    out.value = ResultsToJson(results);
    return out;
  };
  return t;
}

ToolSpec StatusTool() {
  ToolSpec t;
  t.name = "qimg_status";
  t.title = "Library status";
  t.description =
      "Counts of collections, images, contexts, facts, vectors and index rows, the vector model, "
      "and the files that could not be indexed (with reasons).";
  t.input_schema = Schema(R"({"type": "object", "properties": {}})");
  t.output_schema = Schema(R"({
    "type": "object",
    "properties": {
      "collections": {"type": "integer"}, "assets_active": {"type": "integer"},
      "assets_deleted": {"type": "integer"}, "contexts": {"type": "integer"},
      "facts": {"type": "integer"}, "vectors": {"type": "integer"},
      "lexical_docs": {"type": "integer"}, "fts_rows": {"type": "integer"},
      "vector_model": {"type": ["string", "null"]}, "db_path": {"type": "string"},
      "vector_dir": {"type": "string"}, "scan_issues": {"type": "integer"},
      "issues": {"type": "array", "items": {"type": "object"}}
    },
    "required": ["collections", "assets_active", "facts", "vectors", "db_path", "issues"]
  })");
  t.handler = [](Engine& e, const ToolArgs&) -> Result<ToolOutput> {
    QIMG_ASSIGN_OR_RETURN(auto report, e.GetStatus());
    ToolOutput out;
    out.value = StatusJson(report, true);
    return out;
  };
  return t;
}

ToolSpec FactsGetTool() {
  ToolSpec t;
  t.name = "qimg_facts_get";
  t.title = "Facts of one image";
  t.description =
      "All machine-made facts (caption, tags, objects, OCR, EXIF, derived) of one image, each "
      "with its source (provenance) and confidence. An identifier is required.";
  t.input_schema = Schema(R"({
    "type": "object",
    "properties": {
      "id": {"type": "string", "description": "asset id, id prefix, path or qimg:// path"},
      "path": {"type": "string", "description": "alternative to id"}
    }
  })");
  t.output_schema = Schema(R"({
    "type": "object",
    "properties": {
      "facts": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "asset_id": {"type": "string"}, "fact_type": {"type": "string"},
        "key": {"type": ["string", "null"]}, "value_text": {"type": ["string", "null"]},
        "value_json": {"type": ["string", "null"]}, "confidence": {"type": ["number", "null"]},
        "source": {"type": "string"}, "created_at": {"type": "string"},
        "updated_at": {"type": "string"}}}}
    },
    "required": ["facts"]
  })");
  t.list_key = "facts";
  t.handler = [](Engine& e, const ToolArgs& args) -> Result<ToolOutput> {
    QIMG_ASSIGN_OR_RETURN(auto ident, args.FirstString({"id", "path"}));
    // The original dumped every fact of the library when the id was missing (SPEC §15.38).
    if (!ident) return Status::InvalidArgument("qimg_facts_get needs 'id' or 'path'");
    QIMG_ASSIGN_OR_RETURN(auto rows, e.ListFacts(*ident));
    ToolOutput out;
    out.value = ojson::array();
    for (const auto& f : rows) out.value.push_back(FactRowJson(f, false));
    return out;
  };
  return t;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= uint8_t(bytes[i + 1]) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

namespace {

// The filter arguments shared by the search tools, with the CLI's meaning (search/filters.h).
constexpr const char* kFilterProperties = R"json(
      "num": {"type": "integer", "minimum": 1, "default": 10, "description": "results wanted"},
      "all": {"type": "boolean", "default": false, "description": "every match (up to 10000)"},
      "collection": {"type": "string", "description": "only this collection (exact name)"},
      "path_prefix": {"type": "string", "description": "rel_path prefix, or qimg://collection/prefix"},
      "after": {"type": "string", "description": "captured on/after YYYY-MM-DD[THH:MM[:SS]] (local time)"},
      "before": {"type": "string", "description": "captured on/before; a bare day includes the whole day"},
      "min_width": {"type": "integer", "minimum": 0},
      "min_height": {"type": "integer", "minimum": 0},
      "min_score": {"type": "number", "description": "drop results scoring below this"})json";

Result<AssetFilter> FilterFromArgs(const ToolArgs& args) {
  FilterArgs f;
  QIMG_ASSIGN_OR_RETURN(f.collection, args.String("collection"));
  QIMG_ASSIGN_OR_RETURN(f.path_prefix, args.String("path_prefix"));
  QIMG_ASSIGN_OR_RETURN(f.after, args.String("after"));
  QIMG_ASSIGN_OR_RETURN(f.before, args.String("before"));
  QIMG_ASSIGN_OR_RETURN(f.min_width, args.Int("min_width"));
  QIMG_ASSIGN_OR_RETURN(f.min_height, args.Int("min_height"));
  return ParseFilterArgs(f);
}

// What the three search tools share: the query, -n/--all/--min-score and the filters, read with
// the CLI's meaning; a missing query or num < 1 is an invalid-argument tool error.
struct RetrievalArgs {
  std::string query;
  int num = 10;
  bool all = false;
  double min_score = 0.0;
  AssetFilter filter;
};

Result<RetrievalArgs> ReadRetrievalArgs(const ToolArgs& args, const std::string& tool,
                                        double default_min_score) {
  RetrievalArgs r;
  QIMG_ASSIGN_OR_RETURN(auto query, args.String("query"));
  if (!query) return Status::InvalidArgument(tool + " needs 'query'");
  r.query = *query;
  QIMG_ASSIGN_OR_RETURN(auto num, args.Int("num"));
  QIMG_ASSIGN_OR_RETURN(auto all, args.Bool("all"));
  QIMG_ASSIGN_OR_RETURN(auto min_score, args.Number("min_score"));
  if (num && *num < 1) return Status::InvalidArgument("num must be at least 1");
  r.num = static_cast<int>(std::min<int64_t>(num.value_or(10), kLexicalAllCap));
  r.all = all.value_or(false);
  r.min_score = min_score.value_or(default_min_score);
  QIMG_ASSIGN_OR_RETURN(r.filter, FilterFromArgs(args));
  return r;
}

// Input schema of a search tool: query, optional extra properties (JSON members ending with a
// comma), then the shared filters.
ojson RetrievalInputSchema(const char* query_description, const char* extra_properties = "") {
  return Schema((std::string(R"({
    "type": "object",
    "properties": {
      "query": {"type": "string", "description": ")") + query_description + "\"},\n" +
      extra_properties + kFilterProperties + R"(
    },
    "required": ["query"]
  })").c_str());
}

ToolSpec SearchTool() {
  ToolSpec t;
  t.name = "qimg_search";
  t.title = "Lexical search";
  t.description =
      "Find images by words in their file and folder names, the contexts people wrote on their "
      "folders, and machine facts (captions, tags, OCR text, colours). Words are matched "
      "literally (accents and case ignored); images containing all words rank first. Same "
      "defaults as `qimg search`.";
  t.input_schema = RetrievalInputSchema("words to look for");
  t.output_schema = ResultListSchema();
  t.list_key = "results";
  t.handler = [](Engine& e, const ToolArgs& args) -> Result<ToolOutput> {
    QIMG_ASSIGN_OR_RETURN(RetrievalArgs r, ReadRetrievalArgs(args, "qimg_search", 0.0));
    auto o = MakeRetrievalOptions<LexicalSearchOptions>(r.num, r.all, r.min_score, r.filter);
    QIMG_ASSIGN_OR_RETURN(auto results, e.Search(r.query, o));
    ToolOutput out;
    out.value = ResultsToJson(results);
    return out;
  };
  return t;
}

ToolSpec VectorSearchTool() {
  ToolSpec t;
  t.name = "qimg_vector_search";
  t.title = "Vector search";
  t.description =
      "Find images by meaning: the query is embedded with the image model's text tower (CLIP) "
      "and compared with every image vector; OCR text also matches (by words now, by meaning "
      "once a text model is installed). Scores are (cosine+1)/2, so genuine CLIP matches score "
      "about 0.6-0.68; min_score defaults to 0 like `qimg vsearch`. Needs `qimg embed` first.";
  t.input_schema = RetrievalInputSchema("what to look for, in words");
  t.output_schema = ResultListSchema();
  t.list_key = "results";
  t.handler = [](Engine& e, const ToolArgs& args) -> Result<ToolOutput> {
    QIMG_ASSIGN_OR_RETURN(RetrievalArgs r,
                          ReadRetrievalArgs(args, "qimg_vector_search", kDefaultVectorMinScore));
    auto o = MakeRetrievalOptions<VectorSearchOptions>(r.num, r.all, r.min_score, r.filter);
    QIMG_ASSIGN_OR_RETURN(auto results, e.VectorSearch(r.query, o));
    ToolOutput out;
    out.value = ResultsToJson(results);
    return out;
  };
  return t;
}

ToolSpec SimilarTool() {
  ToolSpec t;
  t.name = "qimg_similar";
  t.title = "Similar images";
  t.description =
      "Images like a given one: nearest image vectors (current image model) and near-duplicates "
      "by perceptual hash (score 1 - distance/8 up to distance 8). Deleted images are never "
      "returned; works without vectors (perceptual hash only) and without loading a model.";
  t.input_schema = Schema(R"json({
    "type": "object",
    "properties": {
      "id": {"type": "string", "description": "asset id, id prefix, path or qimg:// path"},
      "path": {"type": "string", "description": "alternative to id"},
      "num": {"type": "integer", "minimum": 1, "default": 10},
      "collection": {"type": "string", "description": "only this collection (exact name)"}
    }
  })json");
  t.output_schema = ResultListSchema();
  t.list_key = "results";
  t.handler = [](Engine& e, const ToolArgs& args) -> Result<ToolOutput> {
    QIMG_ASSIGN_OR_RETURN(auto ident, args.FirstString({"id", "path"}));
    if (!ident) return Status::InvalidArgument("qimg_similar needs 'id' or 'path'");
    SimilarOptions o;
    QIMG_ASSIGN_OR_RETURN(auto num, args.Int("num"));
    if (num && *num < 1) return Status::InvalidArgument("num must be at least 1");
    o.num = static_cast<int>(std::min<int64_t>(num.value_or(10), 10000));
    QIMG_ASSIGN_OR_RETURN(o.collection, args.String("collection"));
    QIMG_ASSIGN_OR_RETURN(auto results, e.Similar(*ident, o));
    ToolOutput out;
    out.value = ResultsToJson(results);
    return out;
  };
  return t;
}


// qimg_deep_search: `qimg query` (issue 7) with the CLI's defaults.
ToolSpec DeepSearchTool() {
  ToolSpec t;
  t.name = "qimg_deep_search";
  t.title = "Hybrid search";
  t.description =
      "Best-effort image search: expands the query (WordNet synonyms and hypernyms, the tag "
      "vocabulary, CLIP prompt templates), runs lexical, image-vector and OCR channels under the "
      "same filters, fuses them by weighted reciprocal rank fusion and optionally reranks. "
      "Scores explain each channel (rrf, lexical_*, vector_image, vector_ocr, lexical_ocr, "
      "rerank). Same defaults as `qimg query` (min_score 0).";
  t.input_schema = RetrievalInputSchema("what to look for, in words", R"(
      "expansion": {"type": "string", "enum": ["wordnet", "original", "none"]},
      "rank_bonus": {"type": "string", "enum": ["weighted", "original", "none"]},
      "rerank": {"type": "boolean", "description": "default: search.enable_reranker"},)");
  t.output_schema = ResultListSchema();
  t.list_key = "results";
  t.handler = [](Engine& e, const ToolArgs& args) -> Result<ToolOutput> {
    QIMG_ASSIGN_OR_RETURN(RetrievalArgs r,
                          ReadRetrievalArgs(args, "qimg_deep_search", kDefaultQueryMinScore));
    auto o = MakeRetrievalOptions<QueryOptions>(r.num, r.all, r.min_score, r.filter);
    QIMG_ASSIGN_OR_RETURN(o.expansion, args.String("expansion"));
    QIMG_ASSIGN_OR_RETURN(o.rank_bonus, args.String("rank_bonus"));
    QIMG_ASSIGN_OR_RETURN(o.rerank, args.Bool("rerank"));
    QIMG_ASSIGN_OR_RETURN(auto results, e.Query(r.query, o));
    ToolOutput out;
    out.value = ResultsToJson(results);
    return out;
  };
  return t;
}

}  // namespace

void RegisterQimgTools(ToolRegistry* registry) {
  // Search tools join here as their Engine capabilities land (lexical search, vectors, hybrid,
  // similar, facts extraction); until then they are not listed at all.
  registry->Add(SearchTool());
  registry->Add(DeepSearchTool());
  registry->Add(VectorSearchTool());
  registry->Add(SimilarTool());
  registry->Add(GetTool());
  registry->Add(MultiGetTool());
  registry->Add(StatusTool());
  registry->Add(FactsGetTool());
  registry->Add(FactsExtractTool());
}

}  // namespace qimg::mcp
