// Keeping index files in step with the `vectors` table, and the process-wide caches the vector
// commands share (one loaded image model and one open index per model, whatever the number of
// Engines: the MCP server runs several). Internal to app/.
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>

#include "app/config.h"
#include "base/status.h"
#include "index/vector_index.h"
#include "nn/image_text_model.h"
#include "store/database.h"

namespace qimg {

// The index file of a model under vector_dir: "<readable slug>-<8 hex of sha256>.qvec".
std::string VectorIndexPath(const std::string& vector_dir, const std::string& model_id);
inline constexpr const char* kVectorIndexSuffix = ".qvec";

// An open index and the lock that guards it (searches share, refreshes are exclusive).
struct IndexHandle {
  std::shared_mutex mu;
  std::unique_ptr<VectorIndex> index;
  std::string note;  // how it was last brought up to date (for --debug)
};

enum class SyncMode {
  kQuery,    // catch up in memory; write the file only when many changes piled up
  kPersist,  // catch up and write the file (embed)
  kRebuild,  // rebuild from the table regardless of the file (repair)
};

// Brings the model's index up to date with the table: one indexed MAX(seq) lookup when nothing
// changed; otherwise applies the logged changes, or rebuilds when the file is missing, damaged,
// for another model/dimension, or older than the pruned log. Returns the handle (unlocked).
Result<std::shared_ptr<IndexHandle>> SyncVectorIndex(Database* db, const std::string& vector_dir,
                                                     const std::string& model_id, int dim,
                                                     SyncMode mode);
// Drops cached indexes (after files were removed).
void ForgetVectorIndex(const std::string& path);

// The image model (CLIP or SigLIP): located (Unavailable with the install hint), loaded once
// per process.
struct ImageModel {
  std::shared_ptr<const nn::ImageTextModel> pipeline;
  std::string model_id;  // "<embed.model>:d<embedding width>"
  int dim = 0;
};
// The image channel's score for a text-image cosine: CLIP keeps the original's (cos + 1) / 2
// (SPEC §8.4); SigLIP gives sigmoid(logit_scale * cos + logit_bias), the match probability it
// was trained to output.
double TextImageScore(const nn::ImageTextModel& model, double cos);
// One line saying how that score is computed for this model (for --debug).
std::string TextImageScoreNote(const nn::ImageTextModel& model);
Result<ImageModel> LoadImageModel(const Config& config);
// The image model id without loading weights: from the model's config.json when installed,
// else from stored vectors whose id starts with "<embed.model>:d" (most rows). nullopt: none.
Result<std::optional<std::string>> CurrentImageModelId(const Config& config, Database* db);

}  // namespace qimg
