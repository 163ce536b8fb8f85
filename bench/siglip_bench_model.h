// A SigLIP-shaped model with random weights for bench/nn_bench.cc: the config of
// google/siglip2-base-patch16-224 (vision 768 wide, 12 layers of 12 heads, 3072 ff, patch 16 at
// 224; text the same widths, Gemma's 256,000-token vocabulary, 64 positions) and a safetensors
// image with every tensor SiglipModel loads, so the benchmark goes through the real loader.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "nn/safetensors_writer.h"
#include "nn/siglip_config.h"

namespace qimg::nn {

inline SiglipConfig Siglip2B16Config() {
  SiglipConfig c;
  for (TransformerConfig* t :
       {static_cast<TransformerConfig*>(&c.text), static_cast<TransformerConfig*>(&c.vision)}) {
    t->hidden_size = 768;
    t->intermediate_size = 3072;
    t->num_layers = 12;
    t->num_heads = 12;
    t->act = Activation::kGeluTanh;
    t->layer_norm_eps = 1e-6f;
  }
  c.text.vocab_size = 256000;
  c.text.max_position_embeddings = 64;
  c.text.projection_size = 768;
  c.vision.image_size = 224;
  c.vision.patch_size = 16;
  return c;
}

inline std::string RandomSiglipCheckpoint(const SiglipConfig& c) {
  std::vector<TensorToWrite> tensors;
  uint64_t state = 88172645463325252ull;
  // xorshift uniform in [-a, a]; layer-norm gains around 1 so activations stay O(1).
  auto add = [&](const std::string& name, std::vector<int64_t> shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    const bool gain =
        name.find("norm") != std::string::npos && name.compare(name.size() - 7, 7, ".weight") == 0;
    const bool matrix = shape.size() == 2 && name.find("embedding") == std::string::npos;
    const float a = matrix ? 1.7f / std::sqrt(static_cast<float>(shape[1])) : 0.02f;
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      const float u = static_cast<float>(state >> 40) / static_cast<float>(1 << 24) * 2.0f - 1.0f;
      x = gain ? 1.0f + 0.1f * u : a * u;
    }
    tensors.push_back(F32Tensor(name, std::move(shape), v));
  };
  add("logit_bias", {1});
  add("logit_scale", {1});
  const auto& t = c.text;
  const auto& v = c.vision;
  auto layers = [&](const std::string& prefix, const TransformerConfig& tc) {
    const int64_t d = tc.hidden_size, f = tc.intermediate_size;
    for (int i = 0; i < tc.num_layers; ++i) {
      const std::string p = prefix + ".layers." + std::to_string(i) + ".";
      for (const char* ln : {"layer_norm1", "layer_norm2"}) {
        add(p + ln + ".weight", {d});
        add(p + ln + ".bias", {d});
      }
      for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
        add(p + "self_attn." + proj + ".weight", {d, d});
        add(p + "self_attn." + proj + ".bias", {d});
      }
      add(p + "mlp.fc1.weight", {f, d});
      add(p + "mlp.fc1.bias", {f});
      add(p + "mlp.fc2.weight", {d, f});
      add(p + "mlp.fc2.bias", {d});
    }
  };
  add("text_model.embeddings.token_embedding.weight", {t.vocab_size, t.hidden_size});
  add("text_model.embeddings.position_embedding.weight",
      {t.max_position_embeddings, t.hidden_size});
  layers("text_model.encoder", t);
  add("text_model.final_layer_norm.weight", {t.hidden_size});
  add("text_model.final_layer_norm.bias", {t.hidden_size});
  add("text_model.head.weight", {t.projection_size, t.hidden_size});
  add("text_model.head.bias", {t.projection_size});
  const int64_t d = v.hidden_size;
  add("vision_model.embeddings.patch_embedding.weight", {d, 3, v.patch_size, v.patch_size});
  add("vision_model.embeddings.patch_embedding.bias", {d});
  add("vision_model.embeddings.position_embedding.weight", {v.num_patches(), d});
  layers("vision_model.encoder", v);
  add("vision_model.post_layernorm.weight", {d});
  add("vision_model.post_layernorm.bias", {d});
  add("vision_model.head.probe", {1, 1, d});
  add("vision_model.head.attention.in_proj_weight", {3 * d, d});
  add("vision_model.head.attention.in_proj_bias", {3 * d});
  add("vision_model.head.attention.out_proj.weight", {d, d});
  add("vision_model.head.attention.out_proj.bias", {d});
  add("vision_model.head.layernorm.weight", {d});
  add("vision_model.head.layernorm.bias", {d});
  add("vision_model.head.mlp.fc1.weight", {v.intermediate_size, d});
  add("vision_model.head.mlp.fc1.bias", {v.intermediate_size});
  add("vision_model.head.mlp.fc2.weight", {d, v.intermediate_size});
  add("vision_model.head.mlp.fc2.bias", {d});
  return SerializeSafetensors(tensors);
}

// Multiply-adds x 2 of one image / one text (64 positions).
inline double SiglipEncoderFlops(const TransformerConfig& t, double s) {
  const double d = t.hidden_size, f = t.intermediate_size;
  return t.num_layers * (2 * s * d * 3 * d + 4 * s * s * d + 2 * s * d * d + 4 * s * d * f);
}
inline double SiglipVisionFlops(const SiglipConfig& c) {
  const auto& v = c.vision;
  const double s = v.num_patches(), d = v.hidden_size, f = v.intermediate_size;
  const double patch_in = 3.0 * v.patch_size * v.patch_size;
  const double head = 2 * s * d * 2 * d + 4 * s * d + 2 * d * d + 4 * d * f;
  return 2 * s * patch_in * d + SiglipEncoderFlops(v, s) + head;
}
inline double SiglipTextFlops(const SiglipConfig& c) {
  return SiglipEncoderFlops(c.text, c.text.max_position_embeddings) +
         2.0 * c.text.hidden_size * c.text.projection_size;
}

}  // namespace qimg::nn
