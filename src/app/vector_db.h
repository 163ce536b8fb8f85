// The `vectors` table and its change log (migration 3) as the vector channel needs them. The
// table is the source of truth; index files (index/vector_index.h) are caches of it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "index/vector_index.h"
#include "store/database.h"

namespace qimg {

// float32 little-endian bytes (SPEC §8.4) <-> floats. nullopt for a blob whose size is not
// 4 x expected_dim (expected_dim 0: any multiple of 4).
std::string VectorToBlob(const float* v, int dim);
std::optional<std::vector<float>> BlobToVector(const std::string& blob, int expected_dim);

// Inserts or replaces (asset, model) with updated_at = now.
Status UpsertVector(Database* db, const std::string& asset_id, const std::string& model_id,
                    const float* v, int dim, const std::string& input_hash);
Result<std::optional<std::vector<float>>> LoadVector(Database* db, const std::string& asset_id,
                                                     const std::string& model_id);

// The newest change-log sequence for a model, or how far its log was pruned when that is
// later (0 when neither): the index generation to match.
Result<int64_t> VectorGeneration(Database* db, const std::string& model_id);
// How far the model's log has been pruned (0 when never).
Result<int64_t> VectorLogPrunedThrough(Database* db, const std::string& model_id);
// Drops log entries <= generation once an index file reflecting them exists.
Status PruneVectorLog(Database* db, const std::string& model_id, int64_t generation);

// Every stored vector of a model with dimension dim (rows of another size are skipped and
// counted in *skipped), ordered by asset id.
struct VectorRows {
  std::vector<uint64_t> labels;
  std::vector<float> rows;
  int64_t skipped = 0;
};
Result<VectorRows> LoadAllVectors(Database* db, const std::string& model_id, int dim);
// The changes logged for a model in (after, through]: current vector, or removal when the
// asset has none now.
Result<std::vector<VectorChange>> LoadVectorChanges(Database* db, const std::string& model_id,
                                                    int dim, int64_t after, int64_t through);

// Model ids with stored vectors and their dimension (from the first row), most rows first.
struct StoredModel {
  std::string model_id;
  int dim = 0;
  int64_t count = 0;
};
Result<std::vector<StoredModel>> ListStoredModels(Database* db);

}  // namespace qimg
