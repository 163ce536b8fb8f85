#include "nn/transformer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "nn/ops.h"
#include "nn/scratch.h"

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

namespace {

// QIMG_NN_PROFILE=1 prints where the encoder's time goes (stderr, at exit): a cheap way to see
// whether GEMMs, attention or the elementwise passes dominate on a given machine.
struct Profile {
  const char* names[6] = {"layer_norm", "qkv", "attention", "out_proj", "fc1+act", "fc2"};
  double seconds[6] = {};
  bool enabled = std::getenv("QIMG_NN_PROFILE") != nullptr;
  ~Profile() {
    if (!enabled) return;
    for (int i = 0; i < 6; ++i)
      std::fprintf(stderr, "nn profile: %-10s %8.3f s\n", names[i], seconds[i]);
  }
};
Profile g_profile;

class Timer {
 public:
  explicit Timer(int slot) : slot_(slot) {
    if (g_profile.enabled) start_ = std::chrono::steady_clock::now();
  }
  ~Timer() {
    if (g_profile.enabled) {
      g_profile.seconds[slot_] +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }
  }

 private:
  int slot_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

Status Encoder::Forward(float* x, int batch, int seq, bool causal) const {
  return RunLayers(x, static_cast<int64_t>(batch) * seq, [&](size_t, const float* qkv, float* out) {
    return Attention(qkv, batch, seq, config_.num_heads, config_.head_dim(), causal, out);
  });
}

Status Encoder::ForwardCausal(float* x, const std::vector<CausalSequence>& sequences,
                              std::vector<CausalKv>* kv_out) const {
  const int d = config_.hidden_size;
  const size_t layers = layers_.size();
  std::vector<CausalSpan> spans(sequences.size());
  int64_t rows = 0;
  for (size_t s = 0; s < sequences.size(); ++s) {
    const CausalSequence& seq = sequences[s];
    if (seq.length < 1) return Status::InvalidArgument("empty sequence in a causal batch");
    spans[s].row = rows;
    spans[s].length = seq.length;
    if (seq.prefix) {
      const CausalKv& p = *seq.prefix;
      if (p.length < 1 || p.kv.size() != layers * static_cast<size_t>(p.length) * 2 * d) {
        return Status::InvalidArgument("cached prefix does not fit this encoder");
      }
      spans[s].prefix_length = p.length;
    }
    rows += seq.length;
  }
  if (kv_out) {
    kv_out->assign(sequences.size(), CausalKv());
    for (size_t s = 0; s < sequences.size(); ++s) {
      (*kv_out)[s].length = sequences[s].length;
      (*kv_out)[s].kv.resize(layers * static_cast<size_t>(sequences[s].length) * 2 * d);
    }
  }
  return RunLayers(x, rows, [&](size_t layer, const float* qkv, float* out) {
    for (size_t s = 0; s < sequences.size(); ++s) {
      CausalSpan& span = spans[s];
      if (span.prefix_length > 0) {
        span.prefix_kv = sequences[s].prefix->kv.data() +
                         layer * static_cast<size_t>(span.prefix_length) * 2 * d;
      }
      if (kv_out) {  // columns [hidden, 3 hidden) of the fused rows are this layer's k and v
        float* dst = (*kv_out)[s].kv.data() + layer * static_cast<size_t>(span.length) * 2 * d;
        for (int j = 0; j < span.length; ++j) {
          const float* src = qkv + (span.row + j) * 3 * d + d;
          std::copy(src, src + 2 * d, dst + static_cast<size_t>(j) * 2 * d);
        }
      }
    }
    return PrefixCausalAttention(qkv, spans.data(), static_cast<int>(spans.size()),
                                 config_.num_heads, config_.head_dim(), out);
  });
}

Status Encoder::RunLayers(float* x, int64_t rows, const AttentionStep& attention) const {
  const int d = config_.hidden_size;
  float* h = Scratch(ScratchSlot::kHidden, static_cast<size_t>(rows) * d);
  float* qkv = Scratch(ScratchSlot::kQkv, static_cast<size_t>(rows) * 3 * d);
  float* mlp = Scratch(ScratchSlot::kMlp, static_cast<size_t>(rows) * config_.intermediate_size);
  for (size_t i = 0; i < layers_.size(); ++i) {
    const EncoderLayer& l = layers_[i];
    {
      Timer t(0);
      LayerNorm(x, rows, d, l.ln1.gamma.data(), l.ln1.beta.data(), config_.layer_norm_eps, h);
    }
    {
      Timer t(1);
      QIMG_RETURN_IF_ERROR(LinearForward(l.qkv, h, rows, qkv));
    }
    {
      Timer t(2);
      QIMG_RETURN_IF_ERROR(attention(i, qkv, h));
    }
    {
      Timer t(3);
      QIMG_RETURN_IF_ERROR(LinearForward(l.out, h, rows, x, Epilogue::kAccumulate));
    }
    {
      Timer t(0);
      LayerNorm(x, rows, d, l.ln2.gamma.data(), l.ln2.beta.data(), config_.layer_norm_eps, h);
    }
    {
      Timer t(4);
      QIMG_RETURN_IF_ERROR(LinearForward(l.fc1, h, rows, mlp, Epilogue::kActivation, config_.act));
    }
    {
      Timer t(5);
      QIMG_RETURN_IF_ERROR(LinearForward(l.fc2, mlp, rows, x, Epilogue::kAccumulate));
    }
  }
  return Status::Ok();
}

}  // namespace qimg::nn
