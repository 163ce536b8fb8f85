// The pre-norm transformer encoder shared by CLIP's text and vision towers:
//   x = x + out_proj(attn(layer_norm1(x)));  x = x + fc2(act(fc1(layer_norm2(x)))).
// q, k and v projections are fused into one [3 hidden, hidden] GEMM at load time.
#pragma once

#include <cstdint>
#include <functional>
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

// Every layer's keys and values for a run of positions of a causal encoder: all a later
// ForwardCausal needs to continue after those positions without running them again.
struct CausalKv {
  int length = 0;         // positions
  std::vector<float> kv;  // [num_layers, length, 2 * hidden]: a position's keys, then its values
};

// One sequence of ForwardCausal's ragged batch.
struct CausalSequence {
  int length = 0;                    // its rows of x (>= 1), right after the previous sequence's
  const CausalKv* prefix = nullptr;  // the positions it continues (nullptr: it starts the text)
};

class Encoder {
 public:
  // Loads "<prefix>.layers.{i}.*" (e.g. prefix "text_model.encoder").
  static Result<Encoder> Load(const SafetensorsFile& f, const std::string& prefix,
                              const TransformerConfig& config);
  void Quantize();
  // Runs every layer in place on x [batch * seq, hidden].
  Status Forward(float* x, int batch, int seq, bool causal) const;
  // Runs every layer in place on x [sum of lengths, hidden] holding causal sequences back to
  // back without padding, so each linear layer is one GEMM over all of them. A sequence with a
  // prefix attends to the prefix's cached keys/values as well as to its own earlier rows; its
  // rows must already carry the position embeddings of positions prefix->length onwards. The
  // result equals running prefix + rows through Forward(causal) (up to float rounding), since
  // under the causal mask a position's states never depend on later positions. With `kv_out`,
  // also returns each sequence's own keys/values (one CausalKv per sequence), so the sequence
  // can serve as a prefix later. InvalidArgument when a prefix has another encoder's shape.
  Status ForwardCausal(float* x, const std::vector<CausalSequence>& sequences,
                       std::vector<CausalKv>* kv_out = nullptr) const;
  const TransformerConfig& config() const { return config_; }

 private:
  // The layer stack around the attention step, shared by both forwards: `attention(layer, qkv,
  // out)` turns layer `layer`'s fused q/k/v rows into the concatenated heads.
  using AttentionStep = std::function<Status(size_t layer, const float* qkv, float* out)>;
  Status RunLayers(float* x, int64_t rows, const AttentionStep& attention) const;

  TransformerConfig config_;
  std::vector<EncoderLayer> layers_;
};

}  // namespace qimg::nn
