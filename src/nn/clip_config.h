// CLIPModel hyper-parameters read from a Hugging Face config.json. Nothing about a model's size is
// hard-coded: ViT-B/32, ViT-B/16 and ViT-L/14 differ only in these numbers. Missing keys take the
// defaults transformers' CLIPTextConfig / CLIPVisionConfig / CLIPConfig use.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace qimg::nn {

enum class Activation { kQuickGelu, kGelu, kGeluTanh };

// Hugging Face's hidden_act names: quick_gelu, gelu (exact erf), gelu_new / gelu_pytorch_tanh /
// gelu_fast (tanh approximation). InvalidArgument for anything else.
Result<Activation> ParseActivation(std::string_view name);

struct TransformerConfig {
  int hidden_size = 0;
  int intermediate_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  Activation act = Activation::kQuickGelu;
  float layer_norm_eps = 1e-5f;
  int head_dim() const { return hidden_size / num_heads; }
};

struct ClipTextConfig : TransformerConfig {
  int vocab_size = 49408;
  int max_position_embeddings = 77;
  int bos_token_id = 49406;
  int eos_token_id = 49407;
  int pad_token_id = 1;
};

struct ClipVisionConfig : TransformerConfig {
  int image_size = 224;
  int patch_size = 32;
  int num_channels = 3;
  int grid() const { return image_size / patch_size; }
  int num_positions() const { return grid() * grid() + 1; }
};

struct ClipConfig {
  ClipTextConfig text;
  ClipVisionConfig vision;
  int projection_dim = 512;
};

// Parses the text of config.json. InvalidArgument / Corrupt with the offending key when a value
// has the wrong type or is out of range (sizes must be positive, hidden divisible by heads,
// image_size divisible by patch_size).
Result<ClipConfig> ParseClipConfig(std::string_view json_text);
Result<ClipConfig> LoadClipConfig(const std::string& path);

// Pieces of the parser other config.json families (SigLIP) share. ReadConfigInt keeps *out when
// the key is absent or null; Corrupt when it is not an integer in [min_value, 2^24].
// ReadTransformerConfig reads hidden_size, intermediate_size, num_hidden_layers,
// num_attention_heads, hidden_act and layer_norm_eps over the defaults already in *c.
Status ReadConfigInt(const nlohmann::json& obj, const char* key, int* out, int min_value = 1);
Status ReadTransformerConfig(const nlohmann::json& obj, TransformerConfig* c);

}  // namespace qimg::nn
