#include "nn/transformer.h"

#include <cstring>

#include "nn/ops.h"

namespace qimg::nn {

Result<LayerNormWeights> LoadLayerNorm(const SafetensorsFile& f, const std::string& prefix,
                                       int dim) {
  LayerNormWeights w;
  QIMG_ASSIGN_OR_RETURN(w.gamma, f.ReadFloat(prefix + ".weight", {dim}));
  QIMG_ASSIGN_OR_RETURN(w.beta, f.ReadFloat(prefix + ".bias", {dim}));
  return w;
}

Result<Linear> LoadLinear(const SafetensorsFile& f, const std::string& prefix, int in, int out,
                          bool with_bias) {
  Linear l;
  l.in = in;
  l.out = out;
  QIMG_ASSIGN_OR_RETURN(l.weight, f.ReadFloat(prefix + ".weight", {out, in}));
  if (with_bias) {
    QIMG_ASSIGN_OR_RETURN(l.bias, f.ReadFloat(prefix + ".bias", {out}));
  }
  return l;
}

Result<Encoder> Encoder::Load(const SafetensorsFile& f, const std::string& prefix,
                              const TransformerConfig& config) {
  Encoder e;
  e.config_ = config;
  const int d = config.hidden_size;
  const int ff = config.intermediate_size;
  for (int i = 0; i < config.num_layers; ++i) {
    const std::string p = prefix + ".layers." + std::to_string(i) + ".";
    EncoderLayer layer;
    QIMG_ASSIGN_OR_RETURN(layer.ln1, LoadLayerNorm(f, p + "layer_norm1", d));
    QIMG_ASSIGN_OR_RETURN(layer.ln2, LoadLayerNorm(f, p + "layer_norm2", d));
    layer.qkv.in = d;
    layer.qkv.out = 3 * d;
    for (const char* name : {"q_proj", "k_proj", "v_proj"}) {
      QIMG_ASSIGN_OR_RETURN(Linear part, LoadLinear(f, p + "self_attn." + name, d, d, true));
      layer.qkv.weight.insert(layer.qkv.weight.end(), part.weight.begin(), part.weight.end());
      layer.qkv.bias.insert(layer.qkv.bias.end(), part.bias.begin(), part.bias.end());
    }
    QIMG_ASSIGN_OR_RETURN(layer.out, LoadLinear(f, p + "self_attn.out_proj", d, d, true));
    QIMG_ASSIGN_OR_RETURN(layer.fc1, LoadLinear(f, p + "mlp.fc1", d, ff, true));
    QIMG_ASSIGN_OR_RETURN(layer.fc2, LoadLinear(f, p + "mlp.fc2", ff, d, true));
    e.layers_.push_back(std::move(layer));
  }
  return e;
}

void Encoder::Quantize() {
  for (EncoderLayer& l : layers_) {
    l.qkv.Quantize();
    l.out.Quantize();
    l.fc1.Quantize();
    l.fc2.Quantize();
  }
}

Status Encoder::Forward(float* x, int batch, int seq, bool causal) const {
  const int d = config_.hidden_size;
  const int64_t rows = static_cast<int64_t>(batch) * seq;
  std::vector<float> h(static_cast<size_t>(rows) * d);
  std::vector<float> qkv(static_cast<size_t>(rows) * 3 * d);
  std::vector<float> mlp(static_cast<size_t>(rows) * config_.intermediate_size);
  for (const EncoderLayer& l : layers_) {
    LayerNorm(x, rows, d, l.ln1.gamma.data(), l.ln1.beta.data(), config_.layer_norm_eps, h.data());
    QIMG_RETURN_IF_ERROR(LinearForward(l.qkv, h.data(), rows, qkv.data()));
    QIMG_RETURN_IF_ERROR(Attention(qkv.data(), batch, seq, config_.num_heads, config_.head_dim(),
                                   causal, h.data()));
    QIMG_RETURN_IF_ERROR(LinearForward(l.out, h.data(), rows, x, Epilogue::kAccumulate));
    LayerNorm(x, rows, d, l.ln2.gamma.data(), l.ln2.beta.data(), config_.layer_norm_eps, h.data());
    QIMG_RETURN_IF_ERROR(
        LinearForward(l.fc1, h.data(), rows, mlp.data(), Epilogue::kActivation, config_.act));
    QIMG_RETURN_IF_ERROR(LinearForward(l.fc2, mlp.data(), rows, x, Epilogue::kAccumulate));
  }
  return Status::Ok();
}

}  // namespace qimg::nn
