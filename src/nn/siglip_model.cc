#include "nn/siglip_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/fs.h"
#include "nn/ops.h"
#include "nn/parallel.h"
#include "nn/scratch.h"
#include "nn/vector_math.h"

namespace qimg::nn {
namespace {

// logit_scale / logit_bias are [1] tensors in the checkpoints; a 0-d scalar is accepted too.
Result<float> ReadScalar(const SafetensorsFile& f, const std::string& name) {
  const TensorInfo* info = f.Find(name);
  if (!info) return Status::NotFound(f.path() + ": no tensor '" + name + "'");
  QIMG_ASSIGN_OR_RETURN(std::vector<float> v, f.ReadFloat(name, info->shape));
  if (v.size() != 1) {
    return Status::Corrupt(f.path() + ": '" + name + "' has shape " + ShapeString(info->shape) +
                           ", expected one value");
  }
  return v[0];
}

// softmax(q k^T / sqrt(head_dim)) v for the head's single query per image: q [hidden] is shared
// by every image, kv [batch * seq, 2 hidden] holds k then v; out [batch, hidden].
void ProbeAttention(const float* q, const float* kv, int batch, int seq, int heads, int head_dim,
                    float* out) {
  const int hidden = heads * head_dim;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const int64_t jobs = static_cast<int64_t>(batch) * heads;
#pragma omp parallel for schedule(static) if (WorthParallel(jobs * seq * head_dim))
  for (int64_t job = 0; job < jobs; ++job) {
    const int64_t b = job / heads;
    const int h = static_cast<int>(job % heads);
    std::vector<float> p(static_cast<size_t>(seq));
    const float* qh = q + h * head_dim;
    const float* base = kv + b * seq * 2 * hidden;
    float mx = -INFINITY;
    for (int j = 0; j < seq; ++j) {
      const float* k = base + static_cast<int64_t>(j) * 2 * hidden + h * head_dim;
      float dot = 0.0f;
      for (int d = 0; d < head_dim; ++d) dot += qh[d] * k[d];
      p[static_cast<size_t>(j)] = dot * scale;
      mx = std::max(mx, p[static_cast<size_t>(j)]);
    }
    float sum = 0.0f;
    for (int j = 0; j < seq; ++j) {
      p[static_cast<size_t>(j)] = Exp(p[static_cast<size_t>(j)] - mx);
      sum += p[static_cast<size_t>(j)];
    }
    float* o = out + b * hidden + h * head_dim;
    for (int d = 0; d < head_dim; ++d) o[d] = 0.0f;
    for (int j = 0; j < seq; ++j) {
      const float w = p[static_cast<size_t>(j)] / sum;
      const float* v = base + static_cast<int64_t>(j) * 2 * hidden + hidden + h * head_dim;
      for (int d = 0; d < head_dim; ++d) o[d] += w * v[d];
    }
  }
}

}  // namespace

Result<std::unique_ptr<SiglipModel>> SiglipModel::Load(const std::string& dir,
                                                       const ClipLoadOptions& options) {
  QIMG_ASSIGN_OR_RETURN(SiglipConfig config, LoadSiglipConfig(JoinPath(dir, "config.json")));
  QIMG_ASSIGN_OR_RETURN(auto file, OpenModelWeights(dir));
  return FromCheckpoint(config, *file, options);
}

Result<std::unique_ptr<SiglipModel>> SiglipModel::FromCheckpoint(const SiglipConfig& config,
                                                                 const SafetensorsFile& f,
                                                                 const ClipLoadOptions& options) {
  std::unique_ptr<SiglipModel> m(new SiglipModel());
  m->config_ = config;
  const SiglipTextConfig& tc = config.text;
  const SiglipVisionConfig& vc = config.vision;

  QIMG_ASSIGN_OR_RETURN(float scale, ReadScalar(f, "logit_scale"));
  m->logit_scale_exp_ = std::exp(scale);
  QIMG_ASSIGN_OR_RETURN(m->logit_bias_, ReadScalar(f, "logit_bias"));

  QIMG_ASSIGN_OR_RETURN(
      m->token_embedding_,
      f.ReadFloat("text_model.embeddings.token_embedding.weight", {tc.vocab_size, tc.hidden_size}));
  QIMG_ASSIGN_OR_RETURN(m->text_position_,
                        f.ReadFloat("text_model.embeddings.position_embedding.weight",
                                    {tc.max_position_embeddings, tc.hidden_size}));
  QIMG_ASSIGN_OR_RETURN(m->text_encoder_, Encoder::Load(f, "text_model.encoder", tc));
  QIMG_ASSIGN_OR_RETURN(m->final_layer_norm_,
                        LoadLayerNorm(f, "text_model.final_layer_norm", tc.hidden_size));
  QIMG_ASSIGN_OR_RETURN(m->text_head_,
                        LoadLinear(f, "text_model.head", tc.hidden_size, tc.projection_size, true));

  const int d = vc.hidden_size;
  const int patch_in = vc.num_channels * vc.patch_size * vc.patch_size;
  m->patch_embedding_.in = patch_in;
  m->patch_embedding_.out = d;
  QIMG_ASSIGN_OR_RETURN(m->patch_embedding_.weight,
                        f.ReadFloat("vision_model.embeddings.patch_embedding.weight",
                                    {d, vc.num_channels, vc.patch_size, vc.patch_size}));
  QIMG_ASSIGN_OR_RETURN(m->patch_embedding_.bias,
                        f.ReadFloat("vision_model.embeddings.patch_embedding.bias", {d}));
  QIMG_ASSIGN_OR_RETURN(
      m->vision_position_,
      f.ReadFloat("vision_model.embeddings.position_embedding.weight", {vc.num_patches(), d}));
  QIMG_ASSIGN_OR_RETURN(m->vision_encoder_, Encoder::Load(f, "vision_model.encoder", vc));
  QIMG_ASSIGN_OR_RETURN(m->post_layernorm_, LoadLayerNorm(f, "vision_model.post_layernorm", d));

  // nn.MultiheadAttention keeps q, k and v stacked in in_proj_{weight,bias}.
  QIMG_ASSIGN_OR_RETURN(std::vector<float> probe,
                        f.ReadFloat("vision_model.head.probe", {1, 1, d}));
  QIMG_ASSIGN_OR_RETURN(std::vector<float> in_w,
                        f.ReadFloat("vision_model.head.attention.in_proj_weight", {3 * d, d}));
  QIMG_ASSIGN_OR_RETURN(std::vector<float> in_b,
                        f.ReadFloat("vision_model.head.attention.in_proj_bias", {3 * d}));
  const size_t dd = static_cast<size_t>(d) * d;
  Linear head_q;
  head_q.in = head_q.out = d;
  head_q.weight.assign(in_w.begin(), in_w.begin() + static_cast<long>(dd));
  head_q.bias.assign(in_b.begin(), in_b.begin() + d);
  m->probe_q_.resize(static_cast<size_t>(d));
  // The probe is a constant, so is its query.
  QIMG_RETURN_IF_ERROR(LinearForward(head_q, probe.data(), 1, m->probe_q_.data()));
  m->head_kv_.in = d;
  m->head_kv_.out = 2 * d;
  m->head_kv_.weight.assign(in_w.begin() + static_cast<long>(dd), in_w.end());
  m->head_kv_.bias.assign(in_b.begin() + d, in_b.end());
  QIMG_ASSIGN_OR_RETURN(m->head_out_,
                        LoadLinear(f, "vision_model.head.attention.out_proj", d, d, true));
  QIMG_ASSIGN_OR_RETURN(m->head_layernorm_, LoadLayerNorm(f, "vision_model.head.layernorm", d));
  QIMG_ASSIGN_OR_RETURN(m->head_fc1_,
                        LoadLinear(f, "vision_model.head.mlp.fc1", d, vc.intermediate_size, true));
  QIMG_ASSIGN_OR_RETURN(m->head_fc2_,
                        LoadLinear(f, "vision_model.head.mlp.fc2", vc.intermediate_size, d, true));
  if (options.int8) {
    m->text_encoder_.Quantize();
    m->vision_encoder_.Quantize();
  }
  return m;
}

Result<Embeddings> SiglipModel::EncodeTokenIds(const std::vector<std::vector<int32_t>>& ids) const {
  const SiglipTextConfig& tc = config_.text;
  const int d = tc.hidden_size;
  const int batch = static_cast<int>(ids.size());
  Embeddings out;
  out.dim = tc.projection_size;
  if (batch == 0) return out;
  const size_t len = ids[0].size();
  if (len == 0 || len > static_cast<size_t>(tc.max_position_embeddings)) {
    return Status::InvalidArgument("token rows must hold 1.." +
                                   std::to_string(tc.max_position_embeddings) + " ids");
  }
  for (const auto& row : ids) {
    if (row.size() != len) return Status::InvalidArgument("token rows differ in length");
    for (int32_t id : row) {
      if (id < 0 || id >= tc.vocab_size) {
        return Status::InvalidArgument("token id " + std::to_string(id) +
                                       " outside the vocabulary");
      }
    }
  }
  const int seq = static_cast<int>(len);
  float* x = Scratch(ScratchSlot::kTokens, static_cast<size_t>(batch) * seq * d);
  for (int b = 0; b < batch; ++b) {
    for (int s = 0; s < seq; ++s) {
      const float* tok = token_embedding_.data() + static_cast<size_t>(ids[b][s]) * d;
      const float* pos = text_position_.data() + static_cast<size_t>(s) * d;
      float* dst = x + (static_cast<size_t>(b) * seq + s) * d;
      for (int i = 0; i < d; ++i) dst[i] = tok[i] + pos[i];
    }
  }
  QIMG_RETURN_IF_ERROR(text_encoder_.Forward(x, batch, seq, /*causal=*/false));
  // final_layer_norm works per position, so normalising only the pooled (last) one is the same.
  std::vector<float> pooled(static_cast<size_t>(batch) * d);
  for (int b = 0; b < batch; ++b) {
    std::memcpy(pooled.data() + static_cast<size_t>(b) * d,
                x + (static_cast<size_t>(b) * seq + seq - 1) * d, sizeof(float) * d);
  }
  LayerNorm(pooled.data(), batch, d, final_layer_norm_.gamma.data(), final_layer_norm_.beta.data(),
            tc.layer_norm_eps, pooled.data());
  out.rows = batch;
  out.values.resize(static_cast<size_t>(batch) * out.dim);
  QIMG_RETURN_IF_ERROR(LinearForward(text_head_, pooled.data(), batch, out.values.data()));
  return out;
}

int64_t SiglipModel::PixelsPerImage() const {
  const SiglipVisionConfig& vc = config_.vision;
  return static_cast<int64_t>(vc.num_channels) * vc.image_size * vc.image_size;
}

Result<Embeddings> SiglipModel::EncodePixels(const float* pixels, int batch) const {
  const SiglipVisionConfig& vc = config_.vision;
  const int d = vc.hidden_size;
  const int p = vc.patch_size;
  const int c = vc.num_channels;
  const int size = vc.image_size;
  const int seq = vc.num_patches();
  const int patch_in = c * p * p;
  Embeddings out;
  out.dim = config_.embedding_dim();
  if (batch <= 0) return out;
  const int64_t rows = static_cast<int64_t>(batch) * seq;
  float* cols = Scratch(ScratchSlot::kPatches, static_cast<size_t>(rows) * patch_in);
  ImageToPatchRows(pixels, batch, c, size, p, cols);
  // Conv with bias, then the position embedding (one row per patch, no class token).
  float* x = Scratch(ScratchSlot::kTokens, static_cast<size_t>(rows) * d);
  QIMG_RETURN_IF_ERROR(LinearForward(patch_embedding_, cols, rows, x));
#pragma omp parallel for schedule(static) if (WorthParallel(rows * d))
  for (int64_t r = 0; r < rows; ++r) {
    const float* pos = vision_position_.data() + (r % seq) * d;
    float* dst = x + r * d;
    for (int i = 0; i < d; ++i) dst[i] += pos[i];
  }
  QIMG_RETURN_IF_ERROR(vision_encoder_.Forward(x, batch, seq, /*causal=*/false));
  LayerNorm(x, rows, d, post_layernorm_.gamma.data(), post_layernorm_.beta.data(),
            vc.layer_norm_eps, x);
  // Pooling head. The encoder is done with its scratch, so its q/k/v buffer holds k and v here.
  float* kv = Scratch(ScratchSlot::kQkv, static_cast<size_t>(rows) * 2 * d);
  QIMG_RETURN_IF_ERROR(LinearForward(head_kv_, x, rows, kv));
  std::vector<float> attn(static_cast<size_t>(batch) * d);
  ProbeAttention(probe_q_.data(), kv, batch, seq, vc.num_heads, vc.head_dim(), attn.data());
  out.rows = batch;
  out.values.resize(static_cast<size_t>(batch) * d);
  float* y = out.values.data();
  QIMG_RETURN_IF_ERROR(LinearForward(head_out_, attn.data(), batch, y));
  // y = a + fc2(act(fc1(layernorm(a)))).
  std::vector<float> h(static_cast<size_t>(batch) * d);
  LayerNorm(y, batch, d, head_layernorm_.gamma.data(), head_layernorm_.beta.data(),
            vc.layer_norm_eps, h.data());
  std::vector<float> mlp(static_cast<size_t>(batch) * vc.intermediate_size);
  QIMG_RETURN_IF_ERROR(
      LinearForward(head_fc1_, h.data(), batch, mlp.data(), Epilogue::kActivation, vc.act));
  QIMG_RETURN_IF_ERROR(LinearForward(head_fc2_, mlp.data(), batch, y, Epilogue::kAccumulate));
  return out;
}

}  // namespace qimg::nn
