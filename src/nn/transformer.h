// The pre-norm transformer encoder shared by CLIP's text and vision towers:
//   x = x + out_proj(attn(layer_norm1(x)));  x = x + fc2(act(fc1(layer_norm2(x)))).
// q, k and v projections are fused into one [3 hidden, hidden] GEMM at load time.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "nn/clip_config.h"
#include "nn/linear.h"
#include "nn/safetensors.h"

namespace qimg::nn {

struct LayerNormWeights {
  std::vector<float> gamma;
  std::vector<float> beta;
};

struct EncoderLayer {
  LayerNormWeights ln1, ln2;
  Linear qkv, out, fc1, fc2;
};

// Reads "<prefix>.weight" / "<prefix>.bias" of a LayerNorm of width `dim`.
Result<LayerNormWeights> LoadLayerNorm(const SafetensorsFile& f, const std::string& prefix,
                                       int dim);
// Reads a Linear "<prefix>.weight" [out, in] and, when `with_bias`, "<prefix>.bias" [out].
Result<Linear> LoadLinear(const SafetensorsFile& f, const std::string& prefix, int in, int out,
                          bool with_bias);

class Encoder {
 public:
  // Loads "<prefix>.layers.{i}.*" (e.g. prefix "text_model.encoder").
  static Result<Encoder> Load(const SafetensorsFile& f, const std::string& prefix,
                              const TransformerConfig& config);
  void Quantize();
  // Runs every layer in place on x [batch * seq, hidden].
  Status Forward(float* x, int batch, int seq, bool causal) const;
  const TransformerConfig& config() const { return config_; }

 private:
  TransformerConfig config_;
  std::vector<EncoderLayer> layers_;
};

}  // namespace qimg::nn
