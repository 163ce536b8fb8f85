// `facts extract` (SPEC §6.3 with its weak spots fixed): the options and the report of
// Engine::ExtractFacts (facts_ops.cc). Included by engine.h.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace qimg {

struct FactsExtractOptions {
  // Ids, id prefixes, paths or qimg:// paths. Empty = every non-deleted asset. Any identifier
  // that does not resolve fails the whole call before anything is written.
  std::vector<std::string> identifiers;
  // Channels; none selected = every channel.
  bool caption = false;
  bool tags = false;
  bool objects = false;
  bool ocr = false;
  bool derived = false;
  int threads = 0;       // decode/OCR workers; 0 = one per core
  int batch_size = 16;   // assets per committed transaction
  bool progress = false; // progress line on stderr
};

struct FactsExtractFailure {
  std::string asset_id;
  std::string rel_path;
  std::string channel;  // "decode", "ocr", "tags", "caption", "objects"
  std::string reason;
};

struct FactsExtractStats {
  // SPEC §6.3 keys, in its order.
  int processed = 0;
  int captions = 0;  // assets that got a new caption
  int tags = 0;      // tag facts written
  int objects = 0;
  int ocr = 0;       // assets with OCR text written
  int errors = 0;    // per-asset / per-channel failures (never fatal)
  bool object_runtime_available = true;
  int object_skipped_unavailable = 0;
  bool ocr_runtime_available = true;
  int ocr_skipped_unavailable = 0;
  int scoped_assets = 0;  // identifiers resolved (0 = whole library)
  // Additions.
  int derived = 0;                 // derived facts written
  int ocr_empty = 0;               // OCR ran and found no text (old OCR facts of the source removed)
  int captions_kept_metadata = 0;  // assets whose metadata description stays the caption
  bool image_model_available = true;
  bool filename_fallback = false;  // tags/captions came from file names (no image model)
  std::string image_model_message;   // why the image model is unavailable
  std::string object_model_message;  // why objects were skipped
  std::string ocr_message;           // why OCR was skipped
  std::string tag_source, caption_source, ocr_source, derived_source;  // "" = channel not run
  std::string object_source;  // object_detector:<objects.model>:cpu ("" = no detector ran)
  std::string label_cache;        // label-embedding cache file ("" = none)
  bool label_cache_hit = false;   // label embeddings were read from it, not encoded
  std::vector<FactsExtractFailure> failures;
  double seconds = 0;
  double ocr_seconds = 0;   // summed over workers
  double tag_seconds = 0;   // image encoding + labelling
};

// The report as JSON: SPEC §6.3's keys in its order, then derived, ocr_empty,
// captions_kept_metadata, image_model_available, filename_fallback, label_cache,
// label_cache_hit, sources (per channel, null
// when not run), messages (why a channel was unavailable), failures and seconds. Shared by the
// CLI's --json and the MCP tool.
nlohmann::ordered_json FactsExtractJson(const FactsExtractStats& stats);

}  // namespace qimg
