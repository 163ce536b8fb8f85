// Hugging Face SiglipModel (SigLIP, and SigLIP 2 at fixed resolution): a bidirectional text tower
// pooled at its last position and projected by `head`, and a ViT image tower without class token
// whose patches are pooled by a multi-head attention probe (SiglipMultiheadAttentionPoolingHead).
// Loaded from model.safetensors with the checkpoint's tensor names; the encoder layers are the
// same blocks as CLIP's (transformer.h). Outputs are raw text_embeds / image_embeds.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "nn/clip_model.h"
#include "nn/linear.h"
#include "nn/safetensors.h"
#include "nn/siglip_config.h"
#include "nn/transformer.h"

namespace qimg::nn {

class SiglipModel {
 public:
  // Loads config.json and model.safetensors from a model folder. options.int8 quantises the
  // encoder layers as for CLIP.
  static Result<std::unique_ptr<SiglipModel>> Load(const std::string& dir,
                                                   const ClipLoadOptions& options = {});
  static Result<std::unique_ptr<SiglipModel>> FromCheckpoint(const SiglipConfig& config,
                                                             const SafetensorsFile& file,
                                                             const ClipLoadOptions& options = {});

  const SiglipConfig& config() const { return config_; }
  // exp(logit_scale) and logit_bias: logits = scale * cosine + bias, match probability =
  // sigmoid(logits).
  float logit_scale_exp() const { return logit_scale_exp_; }
  float logit_bias() const { return logit_bias_; }

  // Text tower on token ids, one row per text, all rows the same length (<= the position table).
  // Every position attends to every other, padding included (as SigLIP was trained and the
  // checkpoints' tokenizers return no attention mask); the embedding is read at the last
  // position. InvalidArgument on an id outside the vocabulary or ragged rows.
  Result<Embeddings> EncodeTokenIds(const std::vector<std::vector<int32_t>>& ids) const;
  // Image tower on preprocessed pixels: batch x [num_channels, image_size, image_size] (CHW).
  Result<Embeddings> EncodePixels(const float* pixels, int batch) const;
  int64_t PixelsPerImage() const;

 private:
  SiglipModel() = default;

  SiglipConfig config_;
  float logit_scale_exp_ = 1.0f;
  float logit_bias_ = 0.0f;
  // Text tower.
  std::vector<float> token_embedding_;  // [vocab, hidden]
  std::vector<float> text_position_;    // [max_positions, hidden]
  Encoder text_encoder_;
  LayerNormWeights final_layer_norm_;
  Linear text_head_;  // [projection_size, hidden], with bias
  // Vision tower.
  Linear patch_embedding_;              // [hidden, channels * patch * patch], with bias
  std::vector<float> vision_position_;  // [num_patches, hidden]
  Encoder vision_encoder_;
  LayerNormWeights post_layernorm_;
  // Attention-pooling head: one learned query against every patch.
  std::vector<float> probe_q_;  // [hidden]: the probe already through the head's q projection
  Linear head_kv_;              // [2 hidden, hidden]: k and v rows of in_proj, fused
  Linear head_out_;             // out_proj
  LayerNormWeights head_layernorm_;
  Linear head_fc1_, head_fc2_;
};

}  // namespace qimg::nn
