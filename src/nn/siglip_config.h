// SiglipModel hyper-parameters read from a Hugging Face config.json (google/siglip-* and the
// fixed-resolution google/siglip2-* checkpoints, model_type "siglip"). Missing keys take the
// defaults of transformers' SiglipTextConfig / SiglipVisionConfig, which real checkpoints rely on:
// 768 wide, 12 layers of 12 heads, gelu_pytorch_tanh, layer_norm_eps 1e-6, 64 text positions.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "nn/clip_config.h"

namespace qimg::nn {

struct SiglipTextConfig : TransformerConfig {
  int vocab_size = 32000;
  int max_position_embeddings = 64;
  // Output width of text_model.head. Only newer transformers write it; older ones build the head
  // hidden x hidden, which is the default here.
  int projection_size = 0;
};

struct SiglipVisionConfig : TransformerConfig {
  int image_size = 224;
  int patch_size = 16;
  int num_channels = 3;
  int grid() const { return image_size / patch_size; }
  int num_patches() const { return grid() * grid(); }  // no class token
};

struct SiglipConfig {
  SiglipTextConfig text;
  SiglipVisionConfig vision;
  // image_embeds come out of the attention-pooling head, as wide as the vision tower; the text
  // head must produce the same width for the scores.
  int embedding_dim() const { return vision.hidden_size; }
};

// Parses the text of config.json. Corrupt with the offending key on a wrong type or range, when
// text and image embeddings would differ in width, or image_size is not a multiple of
// patch_size.
Result<SiglipConfig> ParseSiglipConfig(std::string_view json_text);
Result<SiglipConfig> LoadSiglipConfig(const std::string& path);

}  // namespace qimg::nn
