// Hugging Face CLIPModel: the causal text tower, the ViT image tower and their projections,
// loaded from model.safetensors with the checkpoint's own tensor names. Outputs are the raw
// projected embeddings (text_embeds / image_embeds); NormalizeRows gives the unit vectors that
// cosine similarity and the vector index use.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "nn/clip_config.h"
#include "nn/linear.h"
#include "nn/safetensors.h"
#include "nn/transformer.h"

namespace qimg::nn {

struct ClipLoadOptions {
  // Quantise the encoder layers' weights to int8 (dnnl_gemm_u8s8s32). Embeddings stay within
  // cosine 0.99 of fp32 (checked by clip_model_test); embeddings, projections and norms stay fp32.
  bool int8 = false;
  // Memory ClipModel::CacheTextPrefixes may keep (about 48 KB per prefix token for ViT-B/32's
  // text tower, so the default holds far more than a prompt ensemble's prefixes).
  size_t text_prefix_cache_bytes = size_t{16} << 20;
};

struct Embeddings {
  int rows = 0;
  int dim = 0;
  std::vector<float> values;  // [rows, dim]
  const float* row(int i) const { return values.data() + static_cast<size_t>(i) * dim; }
};

// Scales every row to unit L2 norm (rows of zeros stay zero).
void NormalizeRows(Embeddings* e);

class ClipModel {
 public:
  // Loads config.json and model.safetensors from a model folder.
  static Result<std::unique_ptr<ClipModel>> Load(const std::string& dir,
                                                 const ClipLoadOptions& options = {});
  // Builds from an already opened checkpoint (benchmarks build one in memory).
  static Result<std::unique_ptr<ClipModel>> FromCheckpoint(const ClipConfig& config,
                                                           const SafetensorsFile& file,
                                                           const ClipLoadOptions& options = {});

  const ClipConfig& config() const { return config_; }
  // exp(logit_scale tensor): the factor from cosine to logits_per_image.
  float logit_scale_exp() const { return logit_scale_exp_; }

  // Text tower on token ids, one row per text, all rows the same length (<= the position table;
  // the tokenizer's max_length). Pools at EOS like transformers: the first position of the
  // largest id when that id is 49407 (or the config's eos_token_id is the legacy 2), otherwise
  // the first position equal to text_config.eos_token_id. InvalidArgument on an id outside the
  // vocabulary or ragged rows.
  // Rows that start with a prefix given to CacheTextPrefixes run only their later positions.
  Result<Embeddings> EncodeTokenIds(const std::vector<std::vector<int32_t>>& ids) const;
  // Computes and keeps the text tower's per-layer keys/values of token prefixes (BOS plus the
  // ids of e.g. "a photo of", without EOS or padding), so that EncodeTokenIds then runs, for a
  // row whose ids start with a cached prefix, only the positions after it (the longest such
  // prefix that ends before the row's pooled position), all rows packed without padding. The
  // tower is causal, so a position's states never depend on later ones: embeddings equal the
  // uncached ones up to float rounding, whatever the prefixes. Prefixes already cached are
  // skipped; ones that would take the cache past ClipLoadOptions::text_prefix_cache_bytes are
  // left out (rows that start with them are then simply not shortened). Safe to call concurrently
  // with itself and EncodeTokenIds: entries are immutable once published, and a call sees the set
  // at its start. InvalidArgument for an empty prefix, one of max_position_embeddings ids or more,
  // or an id outside the vocabulary.
  Status CacheTextPrefixes(const std::vector<std::vector<int32_t>>& prefixes) const;
  // How many prefixes CacheTextPrefixes has kept.
  int CachedTextPrefixCount() const;
  // Positions the text tower would run for these rows now (the work EncodeTokenIds does:
  // the padded batch up to its last pooled position, or with cached prefixes each row's
  // positions after its prefix). For benchmarks and tests; rows as for EncodeTokenIds.
  Result<int64_t> TextPositionsToRun(const std::vector<std::vector<int32_t>>& ids) const;
  // Image tower on preprocessed pixels: batch x [num_channels, image_size, image_size] (CHW).
  Result<Embeddings> EncodePixels(const float* pixels, int batch) const;
  // Floats per image EncodePixels expects.
  int64_t PixelsPerImage() const;

 private:
  ClipModel() = default;
  // The position the text tower pools for a row of ids.
  int PoolIndex(const std::vector<int32_t>& ids) const;
  // InvalidArgument unless every id is in the vocabulary.
  Status CheckTokenIds(const std::vector<int32_t>& ids) const;
  // x[r] = token + position embedding of ids[r] at position first + r, for r < count.
  void EmbedTokens(const int32_t* ids, int first, int count, float* x) const;
  // final_layer_norm and text_projection of pooled [batch, hidden] (overwritten).
  Result<Embeddings> ProjectText(std::vector<float> pooled, int batch) const;

  struct TextPrefix {
    std::vector<int32_t> ids;
    CausalKv kv;
  };
  using TextPrefixSet = std::vector<std::shared_ptr<const TextPrefix>>;
  std::shared_ptr<const TextPrefixSet> TextPrefixes() const;
  // Checks rows as EncodeTokenIds documents and returns each row's pooled position.
  Result<std::vector<int>> PoolIndices(const std::vector<std::vector<int32_t>>& ids) const;
  // The longest prefix in `set` that `row` starts with and that ends before position `end`
  // (the pooled position + 1), or nullptr.
  static const TextPrefix* LongestPrefix(const std::vector<int32_t>& row, int end,
                                         const TextPrefixSet& set);
  // The ragged path of EncodeTokenIds, taken once any prefix is cached.
  Result<Embeddings> EncodeWithPrefixes(const std::vector<std::vector<int32_t>>& ids,
                                        const std::vector<int>& pool,
                                        const TextPrefixSet& prefixes) const;

  ClipConfig config_;
  float logit_scale_exp_ = 1.0f;
  // Text tower.
  std::vector<float> token_embedding_;  // [vocab, hidden]
  std::vector<float> text_position_;    // [max_positions, hidden]
  Encoder text_encoder_;
  LayerNormWeights final_layer_norm_;
  Linear text_projection_;  // [projection_dim, hidden], no bias
  // Copy-on-write: readers take the current set under the mutex and use it without it.
  mutable std::mutex text_prefix_mu_;
  mutable std::shared_ptr<const TextPrefixSet> text_prefixes_;
  mutable size_t text_prefix_bytes_ = 0;
  size_t text_prefix_budget_ = 0;
  // Vision tower.
  std::vector<float> class_embedding_;  // [hidden]
  Linear patch_embedding_;              // [hidden, channels * patch * patch], no bias
  std::vector<float> vision_position_;  // [num_positions, hidden]
  LayerNormWeights pre_layrnorm_;       // (sic) the checkpoint's spelling
  Encoder vision_encoder_;
  LayerNormWeights post_layernorm_;
  Linear visual_projection_;  // [projection_dim, hidden], no bias
};

}  // namespace qimg::nn
