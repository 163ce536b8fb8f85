#include "app/vector_sync.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>

#include "app/model_locator.h"
#include "app/vector_db.h"
#include "base/fs.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/text.h"

namespace qimg {
namespace {

std::mutex g_cache_mu;
std::map<std::string, std::shared_ptr<IndexHandle>>& IndexCache() {
  static auto* cache = new std::map<std::string, std::shared_ptr<IndexHandle>>();
  return *cache;
}

// Pending in-memory changes beyond which a query rewrites the file (so every later process
// starts from a fresh file instead of re-reading a long log).
size_t PersistThreshold(size_t size) { return std::max<size_t>(2000, size / 20); }

Status Rebuild(Database* db, IndexHandle* h, const std::string& path, const std::string& model_id,
               int dim, const std::string& why) {
  QIMG_ASSIGN_OR_RETURN(int64_t gen, VectorGeneration(db, model_id));
  QIMG_ASSIGN_OR_RETURN(VectorRows rows, LoadAllVectors(db, model_id, dim));
  if (rows.skipped)
    LogWarning(std::to_string(rows.skipped) + " stored vectors of " + model_id +
               " have another dimension or id form and are not indexed");
  h->index.reset();
  QIMG_RETURN_IF_ERROR(MakeDirs(DirName(path)));
  VectorFileMeta meta{model_id, dim, gen, 0, 0};
  QIMG_ASSIGN_OR_RETURN(h->index, VectorIndex::Create(path, meta, rows.labels.data(),
                                                      rows.rows.data(), rows.labels.size()));
  h->note = "index rebuilt from the database (" + why + ")";
  return PruneVectorLog(db, model_id, gen);
}

}  // namespace

std::string VectorIndexPath(const std::string& vector_dir, const std::string& model_id) {
  std::string slug;
  for (char c : model_id) slug += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') ? c : '_';
  if (slug.size() > 60) slug = slug.substr(slug.size() - 60);
  return JoinPath(vector_dir, "image-" + slug + "-" + Sha256Hex(model_id).substr(0, 8) + kVectorIndexSuffix);
}

void ForgetVectorIndex(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_cache_mu);
  IndexCache().erase(path);
}

Result<std::shared_ptr<IndexHandle>> SyncVectorIndex(Database* db, const std::string& vector_dir,
                                                     const std::string& model_id, int dim,
                                                     SyncMode mode) {
  std::string path = VectorIndexPath(vector_dir, model_id);
  std::shared_ptr<IndexHandle> h;
  {
    std::lock_guard<std::mutex> lock(g_cache_mu);
    auto& slot = IndexCache()[path];
    if (!slot) slot = std::make_shared<IndexHandle>();
    h = slot;
  }
  QIMG_ASSIGN_OR_RETURN(int64_t gen, VectorGeneration(db, model_id));
  {
    std::shared_lock<std::shared_mutex> read(h->mu);
    if (mode == SyncMode::kQuery && h->index && h->index->generation() == gen) return h;
  }
  std::unique_lock<std::shared_mutex> write(h->mu);
  if (mode == SyncMode::kRebuild) {
    QIMG_RETURN_IF_ERROR(Rebuild(db, h.get(), path, model_id, dim, "repair"));
    return h;
  }
  QIMG_ASSIGN_OR_RETURN(int64_t pruned, VectorLogPrunedThrough(db, model_id));
  auto usable = [&](const VectorIndex& ix) {
    return ix.meta().model_id == model_id && ix.dim() == dim && ix.generation() <= gen &&
           ix.generation() >= pruned;
  };
  // Another process may have written a newer file: prefer it to a long catch-up.
  if (!h->index || h->index->generation() < pruned || h->index->generation() > gen) {
    auto opened = VectorIndex::Open(path);
    if (opened.ok() && usable(**opened)) {
      h->index = std::move(opened).value();
      h->note = "index file loaded";
    } else {
      std::string why = !opened.ok() ? opened.status().message()
                                     : "file is for another model state";
      if (!opened.ok() && opened.status().code() == StatusCode::kNotFound) why = "no index file yet";
      QIMG_RETURN_IF_ERROR(Rebuild(db, h.get(), path, model_id, dim, why));
      return h;
    }
  }
  if (h->index->generation() != gen) {
    QIMG_ASSIGN_OR_RETURN(auto changes,
                          LoadVectorChanges(db, model_id, dim, h->index->generation(), gen));
    if (changes.size() > std::max<size_t>(1000, h->index->size())) {
      QIMG_RETURN_IF_ERROR(Rebuild(db, h.get(), path, model_id, dim, "many changes"));
      return h;
    }
    QIMG_RETURN_IF_ERROR(h->index->Apply(changes, gen));
    h->note = "index caught up with " + std::to_string(changes.size()) + " logged changes";
  }
  bool persist = h->index->pending() > 0 &&
                 (mode == SyncMode::kPersist || h->index->pending() > PersistThreshold(h->index->size()));
  if (persist) {
    QIMG_ASSIGN_OR_RETURN(h->index, h->index->Persist());
    // A failed prune only leaves a longer log; the index itself is written.
    Status s = PruneVectorLog(db, model_id, h->index->generation());
    if (!s.ok()) LogWarning("vector log not pruned: " + s.message());
    h->note += "; index file written";
  }
  return h;
}

Result<ImageModel> LoadImageModel(const Config& config) {
  QIMG_ASSIGN_OR_RETURN(std::string dir, LocateModel(config, config.embed.model, ModelKind::kImage));
  static std::mutex mu;
  static auto* cache = new std::map<std::string, std::shared_ptr<const nn::ImageTextModel>>();
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = (*cache)[dir];
  if (!slot) {
    auto p = nn::LoadImageTextModel(dir);
    if (!p.ok()) return p.status().WithContext("image model " + dir);
    slot = std::shared_ptr<const nn::ImageTextModel>(std::move(p).value());
  }
  ImageModel m;
  m.pipeline = slot;
  m.dim = slot->embedding_dim();
  m.model_id = Trim(config.embed.model) + ":d" + std::to_string(m.dim);
  return m;
}

double TextImageScore(const nn::ImageTextModel& model, double cos) {
  if (model.family() == nn::ModelFamily::kSiglip) {
    return 1.0 / (1.0 + std::exp(-(model.logit_scale() * cos + model.logit_bias())));
  }
  return std::clamp((cos + 1.0) / 2.0, 0.0, 1.0);
}

std::string TextImageScoreNote(const nn::ImageTextModel& model) {
  char buf[160];
  if (model.family() == nn::ModelFamily::kSiglip) {
    const float bias = model.logit_bias();
    std::snprintf(buf, sizeof buf,
                  "image score (SigLIP) = sigmoid(%.4g * cos %c %.4g): probability that the image "
                  "matches",
                  model.logit_scale(), bias < 0 ? '-' : '+', std::fabs(bias));
  } else {
    std::snprintf(buf, sizeof buf, "image score (CLIP) = (cos + 1) / 2 (logit scale %.4g unused)",
                  model.logit_scale());
  }
  return buf;
}

Result<std::optional<std::string>> CurrentImageModelId(const Config& config, Database* db) {
  std::string setting = Trim(config.embed.model);
  auto dir = LocateModel(config, setting, ModelKind::kImage);
  if (dir.ok()) {
    auto dim = nn::ImageTextEmbeddingDim(*dir);
    if (dim.ok()) return std::optional<std::string>(setting + ":d" + std::to_string(*dim));
  }
  QIMG_ASSIGN_OR_RETURN(auto models, ListStoredModels(db));
  for (const auto& m : models) {
    if (StartsWith(m.model_id, setting + ":d") && m.model_id.find(':', setting.size() + 2) == std::string::npos)
      return std::optional<std::string>(m.model_id);
  }
  return std::optional<std::string>();
}

}  // namespace qimg
