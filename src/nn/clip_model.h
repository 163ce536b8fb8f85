// Hugging Face CLIPModel: the causal text tower, the ViT image tower and their projections,
// loaded from model.safetensors with the checkpoint's own tensor names. Outputs are the raw
// projected embeddings (text_embeds / image_embeds); NormalizeRows gives the unit vectors that
// cosine similarity and the vector index use.
#pragma once

#include <cstdint>
#include <memory>
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
  Result<Embeddings> EncodeTokenIds(const std::vector<std::vector<int32_t>>& ids) const;
  // Image tower on preprocessed pixels: batch x [num_channels, image_size, image_size] (CHW).
  Result<Embeddings> EncodePixels(const float* pixels, int batch) const;
  // Floats per image EncodePixels expects.
  int64_t PixelsPerImage() const;

 private:
  ClipModel() = default;
  // The position the text tower pools for a row of ids.
  int PoolIndex(const std::vector<int32_t>& ids) const;

  ClipConfig config_;
  float logit_scale_exp_ = 1.0f;
  // Text tower.
  std::vector<float> token_embedding_;  // [vocab, hidden]
  std::vector<float> text_position_;    // [max_positions, hidden]
  Encoder text_encoder_;
  LayerNormWeights final_layer_norm_;
  Linear text_projection_;  // [projection_dim, hidden], no bias
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
