#include "nn/detr_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "nn/ops.h"
#include "nn/parallel.h"

namespace qimg::nn {
namespace {

void Relu(float* x, int64_t n) {
#pragma omp parallel for schedule(static) if (WorthParallel(n))
  for (int64_t i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

}  // namespace

void DownsampleMask(const uint8_t* mask, int in_h, int in_w, int out_h, int out_w, uint8_t* out) {
  // PyTorch's nearest_idx: identity for equal sizes, a shift for exact doubling, otherwise
  // floor(dst * (float)(in / out)) in float32, clamped.
  auto source = [](int dst, int in, int out_size) {
    if (in == out_size) return dst;
    if (out_size == 2 * in) return dst >> 1;
    const float scale = static_cast<float>(in) / static_cast<float>(out_size);
    return std::min(static_cast<int>(std::floor(static_cast<float>(dst) * scale)), in - 1);
  };
  for (int r = 0; r < out_h; ++r) {
    const int sr = source(r, in_h, out_h);
    for (int c = 0; c < out_w; ++c) {
      out[static_cast<int64_t>(r) * out_w + c] =
          mask[static_cast<int64_t>(sr) * in_w + source(c, in_w, out_w)] ? 1 : 0;
    }
  }
}

void DetrSinePositionEmbedding(const uint8_t* mask, int height, int width, int d_model,
                               float* out) {
  const int half = d_model / 2;
  const float kScale = static_cast<float>(2.0 * M_PI);
  std::vector<float> dim_t(static_cast<size_t>(half));
  for (int k = 0; k < half; ++k) {
    dim_t[k] = std::pow(10000.0f, static_cast<float>(2 * (k / 2)) / static_cast<float>(half));
  }
  // Cumulative sums of the mask down the rows (y) and along the columns (x), in float32.
  const size_t n = static_cast<size_t>(height) * width;
  std::vector<float> y(n), x(n);
  for (int r = 0; r < height; ++r) {
    float run = 0.0f;
    for (int c = 0; c < width; ++c) {
      const size_t i = static_cast<size_t>(r) * width + c;
      run += mask[i] ? 1.0f : 0.0f;
      x[i] = run;
      y[i] = (r > 0 ? y[i - width] : 0.0f) + (mask[i] ? 1.0f : 0.0f);
    }
  }
  for (int r = 0; r < height; ++r) {
    for (int c = 0; c < width; ++c) {
      const size_t i = static_cast<size_t>(r) * width + c;
      const float yl = y[static_cast<size_t>(height - 1) * width + c];
      const float xl = x[static_cast<size_t>(r) * width + width - 1];
      const float yv = y[i] / (yl + 1e-6f) * kScale;
      const float xv = x[i] / (xl + 1e-6f) * kScale;
      float* o = out + i * d_model;
      for (int k = 0; k < half; ++k) {
        const float a = yv / dim_t[k];
        const float b = xv / dim_t[k];
        o[k] = (k % 2 == 0) ? std::sin(a) : std::cos(a);
        o[half + k] = (k % 2 == 0) ? std::sin(b) : std::cos(b);
      }
    }
  }
}

Result<std::unique_ptr<DetrModel>> DetrModel::Load(const std::string& dir) {
  QIMG_ASSIGN_OR_RETURN(DetrConfig config, LoadDetrConfig(dir + "/config.json"));
  QIMG_ASSIGN_OR_RETURN(auto file, SafetensorsFile::Open(dir + "/model.safetensors"));
  auto m = FromCheckpoint(config, *file);
  if (!m.ok()) return m.status().WithContext(dir + "/model.safetensors");
  return m;
}

Result<std::unique_ptr<DetrModel>> DetrModel::FromCheckpoint(const DetrConfig& config,
                                                             const SafetensorsFile& f) {
  std::unique_ptr<DetrModel> m(new DetrModel());
  m->config_ = config;
  const int d = config.d_model;
  QIMG_ASSIGN_OR_RETURN(
      m->backbone_, ResNetBackbone::Load(f, "model.backbone.conv_encoder.model", config.backbone));
  const int c = m->backbone_.out_channels();
  m->input_projection_.in = c;
  m->input_projection_.out = d;
  QIMG_ASSIGN_OR_RETURN(m->input_projection_.weight,
                        f.ReadFloat("model.input_projection.weight", {d, c, 1, 1}));
  QIMG_ASSIGN_OR_RETURN(m->input_projection_.bias, f.ReadFloat("model.input_projection.bias", {d}));
  QIMG_ASSIGN_OR_RETURN(m->query_positions_, f.ReadFloat("model.query_position_embeddings.weight",
                                                         {config.num_queries, d}));
  for (int i = 0; i < config.encoder_layers; ++i) {
    const std::string p = "model.encoder.layers." + std::to_string(i) + ".";
    EncoderLayer l;
    QIMG_ASSIGN_OR_RETURN(
        l.self_attn, DetrAttention::Load(f, p + "self_attn", d, config.encoder_attention_heads));
    QIMG_ASSIGN_OR_RETURN(l.self_attn_norm, LoadLayerNorm(f, p + "self_attn_layer_norm", d));
    QIMG_ASSIGN_OR_RETURN(l.fc1, LoadLinear(f, p + "fc1", d, config.encoder_ffn_dim, true));
    QIMG_ASSIGN_OR_RETURN(l.fc2, LoadLinear(f, p + "fc2", config.encoder_ffn_dim, d, true));
    QIMG_ASSIGN_OR_RETURN(l.final_norm, LoadLayerNorm(f, p + "final_layer_norm", d));
    m->encoder_.push_back(std::move(l));
  }
  for (int i = 0; i < config.decoder_layers; ++i) {
    const std::string p = "model.decoder.layers." + std::to_string(i) + ".";
    DecoderLayer l;
    QIMG_ASSIGN_OR_RETURN(
        l.self_attn, DetrAttention::Load(f, p + "self_attn", d, config.decoder_attention_heads));
    QIMG_ASSIGN_OR_RETURN(l.self_attn_norm, LoadLayerNorm(f, p + "self_attn_layer_norm", d));
    QIMG_ASSIGN_OR_RETURN(l.cross_attn, DetrAttention::Load(f, p + "encoder_attn", d,
                                                            config.decoder_attention_heads));
    QIMG_ASSIGN_OR_RETURN(l.cross_attn_norm, LoadLayerNorm(f, p + "encoder_attn_layer_norm", d));
    QIMG_ASSIGN_OR_RETURN(l.fc1, LoadLinear(f, p + "fc1", d, config.decoder_ffn_dim, true));
    QIMG_ASSIGN_OR_RETURN(l.fc2, LoadLinear(f, p + "fc2", config.decoder_ffn_dim, d, true));
    QIMG_ASSIGN_OR_RETURN(l.final_norm, LoadLayerNorm(f, p + "final_layer_norm", d));
    m->decoder_.push_back(std::move(l));
  }
  QIMG_ASSIGN_OR_RETURN(m->decoder_norm_, LoadLayerNorm(f, "model.decoder.layernorm", d));
  QIMG_ASSIGN_OR_RETURN(m->class_head_,
                        LoadLinear(f, "class_labels_classifier", d, config.num_labels() + 1, true));
  for (int i = 0; i < 3; ++i) {
    QIMG_ASSIGN_OR_RETURN(
        m->box_head_[i],
        LoadLinear(f, "bbox_predictor.layers." + std::to_string(i), d, i == 2 ? 4 : d, true));
  }
  return m;
}

Status DetrModel::FeedForward(const Linear& fc1, const Linear& fc2, const LayerNormWeights& norm,
                              float* x, int64_t rows) const {
  std::vector<float> mid(static_cast<size_t>(rows) * fc1.out);
  QIMG_RETURN_IF_ERROR(LinearForward(fc1, x, rows, mid.data()));
  Relu(mid.data(), static_cast<int64_t>(mid.size()));
  QIMG_RETURN_IF_ERROR(LinearForward(fc2, mid.data(), rows, x, Epilogue::kAccumulate));
  LayerNorm(x, rows, config_.d_model, norm.gamma.data(), norm.beta.data(), config_.layer_norm_eps,
            x);
  return Status::Ok();
}

Result<DetrOutputs> DetrModel::Forward(const float* pixels, const uint8_t* pixel_mask, int batch,
                                       int height, int width, DetrTrace* trace) const {
  const int channels = config_.backbone.num_channels;
  const int d = config_.d_model;
  if (batch <= 0) return Status::InvalidArgument("detr: empty batch");
  const int fh = backbone_.OutExtent(height), fw = backbone_.OutExtent(width);
  if (fh <= 0 || fw <= 0) {
    return Status::InvalidArgument("detr: image " + std::to_string(width) + "x" +
                                   std::to_string(height) + " is too small for the backbone");
  }
  // CHW images -> one NHWC batch.
  const int64_t plane = static_cast<int64_t>(height) * width;
  std::vector<float> nhwc(static_cast<size_t>(batch) * plane * channels);
#pragma omp parallel for schedule(static) if (WorthParallel(batch * plane * channels))
  for (int64_t i = 0; i < batch * plane; ++i) {
    const int64_t b = i / plane, p = i % plane;
    for (int c = 0; c < channels; ++c)
      nhwc[i * channels + c] = pixels[(b * channels + c) * plane + p];
  }
  QIMG_ASSIGN_OR_RETURN(FeatureMap features, backbone_.Forward(nhwc.data(), batch, height, width,
                                                               trace ? &trace->backbone : nullptr));
  nhwc = {};
  const int tokens = fh * fw;
  const int64_t rows = static_cast<int64_t>(batch) * tokens;

  std::vector<uint8_t> mask(static_cast<size_t>(rows));
  std::vector<float> pos(static_cast<size_t>(rows) * d);
  {
    std::vector<uint8_t> ones;
    if (!pixel_mask) ones.assign(static_cast<size_t>(plane), 1);
    for (int b = 0; b < batch; ++b) {
      const uint8_t* pm = pixel_mask ? pixel_mask + b * plane : ones.data();
      uint8_t* fm = mask.data() + static_cast<int64_t>(b) * tokens;
      DownsampleMask(pm, height, width, fh, fw, fm);
      DetrSinePositionEmbedding(fm, fh, fw, d, pos.data() + static_cast<int64_t>(b) * tokens * d);
    }
  }

  std::vector<float> x(static_cast<size_t>(rows) * d);
  QIMG_RETURN_IF_ERROR(LinearForward(input_projection_, features.data.data(), rows, x.data()));
  features = {};
  if (trace) {
    trace->feature_height = fh;
    trace->feature_width = fw;
    trace->feature_mask = mask;
    trace->position = pos;
    trace->projected = x;
  }

  // Encoder: post-norm layers, the sine embedding added to queries and keys.
  std::vector<float> attn(static_cast<size_t>(rows) * d);
  for (const EncoderLayer& l : encoder_) {
    DetrAttention::Inputs in;
    in.q_in = x.data();
    in.q_pos = pos.data();
    in.q_len = tokens;
    in.kv_in = x.data();
    in.k_pos = pos.data();
    in.kv_len = tokens;
    in.key_mask = mask.data();
    QIMG_RETURN_IF_ERROR(l.self_attn.Forward(in, batch, attn.data()));
    for (size_t i = 0; i < x.size(); ++i) x[i] += attn[i];
    LayerNorm(x.data(), rows, d, l.self_attn_norm.gamma.data(), l.self_attn_norm.beta.data(),
              config_.layer_norm_eps, x.data());
    QIMG_RETURN_IF_ERROR(FeedForward(l.fc1, l.fc2, l.final_norm, x.data(), rows));
  }
  if (trace) trace->encoder_output = x;

  // Decoder: queries start at zero; the learned query embeddings are their positions.
  const int nq = config_.num_queries;
  const int64_t qrows = static_cast<int64_t>(batch) * nq;
  std::vector<float> h(static_cast<size_t>(qrows) * d, 0.0f);
  std::vector<float> qattn(static_cast<size_t>(qrows) * d);
  for (const DecoderLayer& l : decoder_) {
    DetrAttention::Inputs self;
    self.q_in = h.data();
    self.q_pos = query_positions_.data();
    self.q_pos_shared = true;
    self.q_len = nq;
    self.kv_in = h.data();
    self.k_pos = query_positions_.data();
    self.k_pos_shared = true;
    self.kv_len = nq;
    QIMG_RETURN_IF_ERROR(l.self_attn.Forward(self, batch, qattn.data()));
    for (size_t i = 0; i < h.size(); ++i) h[i] += qattn[i];
    LayerNorm(h.data(), qrows, d, l.self_attn_norm.gamma.data(), l.self_attn_norm.beta.data(),
              config_.layer_norm_eps, h.data());
    DetrAttention::Inputs cross;
    cross.q_in = h.data();
    cross.q_pos = query_positions_.data();
    cross.q_pos_shared = true;
    cross.q_len = nq;
    cross.kv_in = x.data();
    cross.k_pos = pos.data();
    cross.kv_len = tokens;
    cross.key_mask = mask.data();
    QIMG_RETURN_IF_ERROR(l.cross_attn.Forward(cross, batch, qattn.data()));
    for (size_t i = 0; i < h.size(); ++i) h[i] += qattn[i];
    LayerNorm(h.data(), qrows, d, l.cross_attn_norm.gamma.data(), l.cross_attn_norm.beta.data(),
              config_.layer_norm_eps, h.data());
    QIMG_RETURN_IF_ERROR(FeedForward(l.fc1, l.fc2, l.final_norm, h.data(), qrows));
  }
  LayerNorm(h.data(), qrows, d, decoder_norm_.gamma.data(), decoder_norm_.beta.data(),
            config_.layer_norm_eps, h.data());
  if (trace) trace->decoder_output = h;

  DetrOutputs out;
  out.batch = batch;
  out.num_queries = nq;
  out.num_classes = class_head_.out;
  out.logits.resize(static_cast<size_t>(qrows) * out.num_classes);
  QIMG_RETURN_IF_ERROR(LinearForward(class_head_, h.data(), qrows, out.logits.data()));
  std::vector<float> t1(static_cast<size_t>(qrows) * d), t2(static_cast<size_t>(qrows) * d);
  QIMG_RETURN_IF_ERROR(LinearForward(box_head_[0], h.data(), qrows, t1.data()));
  Relu(t1.data(), static_cast<int64_t>(t1.size()));
  QIMG_RETURN_IF_ERROR(LinearForward(box_head_[1], t1.data(), qrows, t2.data()));
  Relu(t2.data(), static_cast<int64_t>(t2.size()));
  out.boxes.resize(static_cast<size_t>(qrows) * 4);
  QIMG_RETURN_IF_ERROR(LinearForward(box_head_[2], t2.data(), qrows, out.boxes.data()));
  for (float& v : out.boxes) v = 1.0f / (1.0f + std::exp(-v));
  return out;
}

}  // namespace qimg::nn
