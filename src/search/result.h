// The hydrated result object shared by search, vsearch, query, get, multi-get and similar
// (SPEC §1.5), and its JSON form (keys in the documented order). CLI and MCP both use this.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/asset_store.h"
#include "store/context_store.h"
#include "store/database.h"

namespace qimg {

struct ScoreBreakdown {
  double overall = 0;
  std::optional<double> rrf;
  std::optional<double> lexical_total;
  std::optional<double> lexical_namefolder;
  std::optional<double> lexical_context;
  std::optional<double> lexical_facts;
  std::optional<double> lexical_ocr;
  std::optional<double> vector;
  std::optional<double> vector_image;
  std::optional<double> vector_ocr;
  std::optional<double> rerank;
  // SPEC §1.5 order: lexical:namefolder, lexical:context, lexical:facts, lexical:ocr,
  // vector:image, vector:ocr, vector (non-null, non-zero), then rerank when non-null.
  std::vector<std::string> Contributions() const;
};

struct LabelConf {
  std::string label;
  std::optional<double> conf;
  std::string source;  // kept internally, not emitted
};

// SPEC §6.6 with its weak spots fixed: exif/derived maps are merged so the NEWEST fact wins a
// conflicting key, and tags/objects are de-duplicated by label (highest confidence kept).
struct FactSummary {
  std::optional<std::string> caption;
  std::vector<LabelConf> tags;     // at most 8, by confidence
  std::vector<LabelConf> objects;  // at most 8, by confidence
  std::optional<std::string> ocr;
  nlohmann::ordered_json exif = nlohmann::ordered_json::object();
  nlohmann::ordered_json derived = nlohmann::ordered_json::object();
};

struct SearchResult {
  AssetRow asset;
  std::vector<ContextRow> contexts;
  FactSummary facts;
  ScoreBreakdown scores;
};

struct ScoredId {
  std::string id;
  ScoreBreakdown scores;
};

Result<FactSummary> SummarizeFacts(Database* db, const std::string& asset_id);
// Loads assets, contexts and fact summaries for the ids, in the given order. Ids that no longer
// exist are skipped.
Result<std::vector<SearchResult>> Hydrate(Database* db, const std::vector<ScoredId>& ids);

// metadata.date: the capture time (ISO) from the exif summary, falling back to the original's
// "datetime" key; metadata.camera: "camera_model" / "model".
std::optional<std::string> ResultDate(const SearchResult& r);
std::optional<std::string> ResultCamera(const SearchResult& r);

// The result object of SPEC §1.5 with keys in its order.
nlohmann::ordered_json ResultToJson(const SearchResult& r);
nlohmann::ordered_json ResultsToJson(const std::vector<SearchResult>& results);

}  // namespace qimg
