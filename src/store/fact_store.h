// Facts: machine-made knowledge about an asset, each row with its provenance `source`
// (SPEC §6). A channel replaces only its own facts of its own source.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/database.h"

namespace qimg {

struct FactRow {
  int64_t id = 0;
  std::string asset_id;
  std::string rel_path;  // filled by ListAllFacts only
  std::string fact_type;  // caption | tag | object | ocr | exif | derived
  std::optional<std::string> key;
  std::optional<std::string> value_text;
  std::optional<std::string> value_json;
  std::optional<double> confidence;
  std::string source;
  std::string created_at;
  std::string updated_at;
};

// Inserts unless value_text is blank and value_json is absent (SPEC §6.1); returns whether a
// row was written.
Result<bool> InsertFact(Database* db, const FactRow& fact);
// Deletes the asset's facts of that type and source; returns the number deleted.
Result<int> DeleteFacts(Database* db, const std::string& asset_id, const std::string& fact_type,
                        const std::string& source);
// Deletes every fact with that source, optionally of one asset. Returns the number deleted and
// fills affected_assets with the assets that lost facts.
Result<int> DeleteFactsBySource(Database* db, const std::string& source,
                                const std::optional<std::string>& asset_id,
                                std::vector<std::string>* affected_assets);
// One asset's facts ordered by fact_type, id.
Result<std::vector<FactRow>> ListAssetFacts(Database* db, const std::string& asset_id);
// Facts of non-deleted assets ordered by asset_id, fact_type, id (rel_path filled).
Result<std::vector<FactRow>> ListAllFacts(Database* db);
// One asset's facts, newest first (updated_at desc, id desc) — the order summaries fold in.
Result<std::vector<FactRow>> ListAssetFactsNewestFirst(Database* db, const std::string& asset_id);

}  // namespace qimg
