#include "nn/clip_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/fs.h"
#include "nn/ops.h"
#include "nn/parallel.h"
#include "nn/scratch.h"

namespace qimg::nn {

void NormalizeRows(Embeddings* e) {
  for (int r = 0; r < e->rows; ++r) {
    float* v = e->values.data() + static_cast<size_t>(r) * e->dim;
    double sq = 0;
    for (int i = 0; i < e->dim; ++i) sq += static_cast<double>(v[i]) * v[i];
    if (sq <= 0) continue;
    const float inv = static_cast<float>(1.0 / std::sqrt(sq));
    for (int i = 0; i < e->dim; ++i) v[i] *= inv;
  }
}

Result<std::unique_ptr<ClipModel>> ClipModel::Load(const std::string& dir,
                                                   const ClipLoadOptions& options) {
  QIMG_ASSIGN_OR_RETURN(ClipConfig config, LoadClipConfig(JoinPath(dir, "config.json")));
  QIMG_ASSIGN_OR_RETURN(auto file, OpenModelWeights(dir));
  return FromCheckpoint(config, *file, options);
}

Result<std::unique_ptr<ClipModel>> ClipModel::FromCheckpoint(const ClipConfig& config,
                                                             const SafetensorsFile& f,
                                                             const ClipLoadOptions& options) {
  std::unique_ptr<ClipModel> m(new ClipModel());
  m->config_ = config;
  m->text_prefix_budget_ = options.text_prefix_cache_bytes;
  const ClipTextConfig& tc = config.text;
  const ClipVisionConfig& vc = config.vision;
  const int proj = config.projection_dim;

  QIMG_ASSIGN_OR_RETURN(std::vector<float> scale, f.ReadFloat("logit_scale", {}));
  m->logit_scale_exp_ = std::exp(scale[0]);

  QIMG_ASSIGN_OR_RETURN(
      m->token_embedding_,
      f.ReadFloat("text_model.embeddings.token_embedding.weight", {tc.vocab_size, tc.hidden_size}));
  QIMG_ASSIGN_OR_RETURN(m->text_position_,
                        f.ReadFloat("text_model.embeddings.position_embedding.weight",
                                    {tc.max_position_embeddings, tc.hidden_size}));
  QIMG_ASSIGN_OR_RETURN(m->text_encoder_, Encoder::Load(f, "text_model.encoder", tc));
  QIMG_ASSIGN_OR_RETURN(m->final_layer_norm_,
                        LoadLayerNorm(f, "text_model.final_layer_norm", tc.hidden_size));
  QIMG_ASSIGN_OR_RETURN(m->text_projection_,
                        LoadLinear(f, "text_projection", tc.hidden_size, proj, false));

  const int patch_in = vc.num_channels * vc.patch_size * vc.patch_size;
  QIMG_ASSIGN_OR_RETURN(m->class_embedding_,
                        f.ReadFloat("vision_model.embeddings.class_embedding", {vc.hidden_size}));
  m->patch_embedding_.in = patch_in;
  m->patch_embedding_.out = vc.hidden_size;
  QIMG_ASSIGN_OR_RETURN(
      m->patch_embedding_.weight,
      f.ReadFloat("vision_model.embeddings.patch_embedding.weight",
                  {vc.hidden_size, vc.num_channels, vc.patch_size, vc.patch_size}));
  QIMG_ASSIGN_OR_RETURN(m->vision_position_,
                        f.ReadFloat("vision_model.embeddings.position_embedding.weight",
                                    {vc.num_positions(), vc.hidden_size}));
  QIMG_ASSIGN_OR_RETURN(m->pre_layrnorm_,
                        LoadLayerNorm(f, "vision_model.pre_layrnorm", vc.hidden_size));
  QIMG_ASSIGN_OR_RETURN(m->vision_encoder_, Encoder::Load(f, "vision_model.encoder", vc));
  QIMG_ASSIGN_OR_RETURN(m->post_layernorm_,
                        LoadLayerNorm(f, "vision_model.post_layernorm", vc.hidden_size));
  QIMG_ASSIGN_OR_RETURN(m->visual_projection_,
                        LoadLinear(f, "visual_projection", vc.hidden_size, proj, false));
  if (options.int8) {
    m->text_encoder_.Quantize();
    m->vision_encoder_.Quantize();
  }
  return m;
}

int ClipModel::PoolIndex(const std::vector<int32_t>& ids) const {
  if (ids.empty()) return 0;
  const int32_t kClipEos = 49407;
  auto max_it = std::max_element(ids.begin(), ids.end());  // first of the maxima, like argmax
  if (*max_it == kClipEos || config_.text.eos_token_id == 2) {
    return static_cast<int>(max_it - ids.begin());
  }
  auto it = std::find(ids.begin(), ids.end(), config_.text.eos_token_id);
  return it == ids.end() ? 0 : static_cast<int>(it - ids.begin());
}

Status ClipModel::CheckTokenIds(const std::vector<int32_t>& ids) const {
  for (int32_t id : ids) {
    if (id < 0 || id >= config_.text.vocab_size) {
      return Status::InvalidArgument("token id " + std::to_string(id) + " outside the vocabulary");
    }
  }
  return Status::Ok();
}

void ClipModel::EmbedTokens(const int32_t* ids, int first, int count, float* x) const {
  const int d = config_.text.hidden_size;
  for (int r = 0; r < count; ++r) {
    const float* tok = token_embedding_.data() + static_cast<size_t>(ids[r]) * d;
    const float* pos = text_position_.data() + static_cast<size_t>(first + r) * d;
    float* dst = x + static_cast<size_t>(r) * d;
    for (int i = 0; i < d; ++i) dst[i] = tok[i] + pos[i];
  }
}

Result<Embeddings> ClipModel::ProjectText(std::vector<float> pooled, int batch) const {
  const ClipTextConfig& tc = config_.text;
  LayerNorm(pooled.data(), batch, tc.hidden_size, final_layer_norm_.gamma.data(),
            final_layer_norm_.beta.data(), tc.layer_norm_eps, pooled.data());
  Embeddings out;
  out.dim = config_.projection_dim;
  out.rows = batch;
  out.values.resize(static_cast<size_t>(batch) * out.dim);
  QIMG_RETURN_IF_ERROR(LinearForward(text_projection_, pooled.data(), batch, out.values.data()));
  return out;
}

Result<std::vector<int>> ClipModel::PoolIndices(
    const std::vector<std::vector<int32_t>>& ids) const {
  const int max_len = config_.text.max_position_embeddings;
  std::vector<int> pool;
  pool.reserve(ids.size());
  for (const auto& row : ids) {
    if (row.empty() || row.size() > static_cast<size_t>(max_len)) {
      return Status::InvalidArgument("token rows must hold 1.." + std::to_string(max_len) + " ids");
    }
    if (row.size() != ids[0].size()) return Status::InvalidArgument("token rows differ in length");
    QIMG_RETURN_IF_ERROR(CheckTokenIds(row));
    pool.push_back(PoolIndex(row));
  }
  return pool;
}

const ClipModel::TextPrefix* ClipModel::LongestPrefix(const std::vector<int32_t>& row, int end,
                                                      const TextPrefixSet& set) {
  const TextPrefix* best = nullptr;
  for (const auto& p : set) {
    const int n = static_cast<int>(p->ids.size());
    // The pooled position must stay among the positions that run, so a prefix ends before it.
    if (n >= end || (best && n <= static_cast<int>(best->ids.size()))) continue;
    if (std::equal(p->ids.begin(), p->ids.end(), row.begin())) best = p.get();
  }
  return best;
}

Result<int64_t> ClipModel::TextPositionsToRun(const std::vector<std::vector<int32_t>>& ids) const {
  QIMG_ASSIGN_OR_RETURN(std::vector<int> pool, PoolIndices(ids));
  std::shared_ptr<const TextPrefixSet> prefixes = TextPrefixes();
  int64_t positions = 0;
  if (!prefixes || prefixes->empty()) {
    int seq = 0;
    for (int p : pool) seq = std::max(seq, p + 1);
    return static_cast<int64_t>(ids.size()) * seq;
  }
  for (size_t b = 0; b < ids.size(); ++b) {
    const TextPrefix* p = LongestPrefix(ids[b], pool[b] + 1, *prefixes);
    positions += pool[b] + 1 - (p ? p->kv.length : 0);
  }
  return positions;
}

Result<Embeddings> ClipModel::EncodeTokenIds(const std::vector<std::vector<int32_t>>& ids) const {
  const int d = config_.text.hidden_size;
  const int batch = static_cast<int>(ids.size());
  QIMG_ASSIGN_OR_RETURN(std::vector<int> pool, PoolIndices(ids));
  if (batch == 0) {
    Embeddings out;
    out.dim = config_.projection_dim;
    return out;
  }
  int seq = 1;
  for (int p : pool) seq = std::max(seq, p + 1);
  std::shared_ptr<const TextPrefixSet> prefixes = TextPrefixes();
  if (prefixes && !prefixes->empty()) return EncodeWithPrefixes(ids, pool, *prefixes);
  // The mask is causal, so positions after the last pooled one cannot influence it: run only
  // the prefix every row needs (identical results, far less work for short captions).
  float* x = Scratch(ScratchSlot::kTokens, static_cast<size_t>(batch) * seq * d);
  for (int b = 0; b < batch; ++b) {
    EmbedTokens(ids[static_cast<size_t>(b)].data(), 0, seq, x + static_cast<size_t>(b) * seq * d);
  }
  QIMG_RETURN_IF_ERROR(text_encoder_.Forward(x, batch, seq, /*causal=*/true));
  std::vector<float> pooled(static_cast<size_t>(batch) * d);
  for (int b = 0; b < batch; ++b) {
    std::memcpy(pooled.data() + static_cast<size_t>(b) * d,
                x + (static_cast<size_t>(b) * seq + pool[static_cast<size_t>(b)]) * d,
                sizeof(float) * d);
  }
  return ProjectText(std::move(pooled), batch);
}

Result<Embeddings> ClipModel::EncodeWithPrefixes(const std::vector<std::vector<int32_t>>& ids,
                                                 const std::vector<int>& pool,
                                                 const TextPrefixSet& prefixes) const {
  const int d = config_.text.hidden_size;
  const int batch = static_cast<int>(ids.size());
  std::vector<CausalSequence> sequences(static_cast<size_t>(batch));
  std::vector<int> first(static_cast<size_t>(batch), 0);  // first position each row runs
  int64_t rows = 0;
  for (int b = 0; b < batch; ++b) {
    const std::vector<int32_t>& row = ids[static_cast<size_t>(b)];
    const int end = pool[static_cast<size_t>(b)] + 1;  // positions [0, end) reach the pooled one
    const TextPrefix* best = LongestPrefix(row, end, prefixes);
    if (best) {
      first[static_cast<size_t>(b)] = best->kv.length;
      sequences[static_cast<size_t>(b)].prefix = &best->kv;
    }
    sequences[static_cast<size_t>(b)].length = end - first[static_cast<size_t>(b)];
    rows += sequences[static_cast<size_t>(b)].length;
  }
  float* x = Scratch(ScratchSlot::kTokens, static_cast<size_t>(rows) * d);
  int64_t row0 = 0;
  for (int b = 0; b < batch; ++b) {
    const int f = first[static_cast<size_t>(b)];
    const int n = sequences[static_cast<size_t>(b)].length;
    EmbedTokens(ids[static_cast<size_t>(b)].data() + f, f, n, x + row0 * d);
    row0 += n;
  }
  QIMG_RETURN_IF_ERROR(text_encoder_.ForwardCausal(x, sequences));
  // Each row's pooled position is the last one it ran.
  std::vector<float> pooled(static_cast<size_t>(batch) * d);
  row0 = 0;
  for (int b = 0; b < batch; ++b) {
    row0 += sequences[static_cast<size_t>(b)].length;
    std::memcpy(pooled.data() + static_cast<size_t>(b) * d, x + (row0 - 1) * d, sizeof(float) * d);
  }
  return ProjectText(std::move(pooled), batch);
}

std::shared_ptr<const ClipModel::TextPrefixSet> ClipModel::TextPrefixes() const {
  std::lock_guard<std::mutex> lock(text_prefix_mu_);
  return text_prefixes_;
}

int ClipModel::CachedTextPrefixCount() const {
  std::shared_ptr<const TextPrefixSet> set = TextPrefixes();
  return set ? static_cast<int>(set->size()) : 0;
}

Status ClipModel::CacheTextPrefixes(const std::vector<std::vector<int32_t>>& prefixes) const {
  const ClipTextConfig& tc = config_.text;
  const int d = tc.hidden_size;
  for (const auto& p : prefixes) {
    if (p.empty() || p.size() >= static_cast<size_t>(tc.max_position_embeddings)) {
      return Status::InvalidArgument("a cached text prefix must hold 1.." +
                                     std::to_string(tc.max_position_embeddings - 1) + " ids");
    }
    QIMG_RETURN_IF_ERROR(CheckTokenIds(p));
  }
  auto known = [](const TextPrefixSet* set, const std::vector<int32_t>& ids) {
    if (!set) return false;
    return std::any_of(set->begin(), set->end(), [&](const auto& e) { return e->ids == ids; });
  };
  std::shared_ptr<const TextPrefixSet> current = TextPrefixes();
  std::vector<const std::vector<int32_t>*> uncached;
  for (const auto& p : prefixes) {
    if (known(current.get(), p)) continue;
    if (std::any_of(uncached.begin(), uncached.end(), [&](const auto* t) { return *t == p; })) continue;
    uncached.push_back(&p);
  }
  if (uncached.empty()) return Status::Ok();
  // All new prefixes in one ragged forward; their own keys/values are what later rows reuse.
  std::vector<CausalSequence> sequences(uncached.size());
  int64_t rows = 0;
  for (size_t i = 0; i < uncached.size(); ++i) {
    sequences[i].length = static_cast<int>(uncached[i]->size());
    rows += sequences[i].length;
  }
  float* x = Scratch(ScratchSlot::kTokens, static_cast<size_t>(rows) * d);
  int64_t row0 = 0;
  for (size_t i = 0; i < uncached.size(); ++i) {
    EmbedTokens(uncached[i]->data(), 0, sequences[i].length, x + row0 * d);
    row0 += sequences[i].length;
  }
  std::vector<CausalKv> kv;
  QIMG_RETURN_IF_ERROR(text_encoder_.ForwardCausal(x, sequences, &kv));

  std::lock_guard<std::mutex> lock(text_prefix_mu_);
  // Another call may have published some of these meanwhile: start from the set as it is now.
  auto next = text_prefixes_ ? std::make_shared<TextPrefixSet>(*text_prefixes_)
                             : std::make_shared<TextPrefixSet>();
  for (size_t i = 0; i < uncached.size(); ++i) {
    const size_t bytes = kv[i].kv.size() * sizeof(float);
    if (known(next.get(), *uncached[i]) || text_prefix_bytes_ + bytes > text_prefix_budget_) continue;
    auto entry = std::make_shared<TextPrefix>();
    entry->ids = *uncached[i];
    entry->kv = std::move(kv[i]);
    next->push_back(std::move(entry));
    text_prefix_bytes_ += bytes;
  }
  text_prefixes_ = std::move(next);
  return Status::Ok();
}

int64_t ClipModel::PixelsPerImage() const {
  const ClipVisionConfig& vc = config_.vision;
  return static_cast<int64_t>(vc.num_channels) * vc.image_size * vc.image_size;
}

Result<Embeddings> ClipModel::EncodePixels(const float* pixels, int batch) const {
  const ClipVisionConfig& vc = config_.vision;
  const int d = vc.hidden_size;
  const int p = vc.patch_size;
  const int g = vc.grid();
  const int c = vc.num_channels;
  const int size = vc.image_size;
  const int seq = vc.num_positions();
  const int patch_in = c * p * p;
  Embeddings out;
  out.dim = config_.projection_dim;
  if (batch <= 0) return out;
  const int64_t patches = static_cast<int64_t>(batch) * g * g;
  float* cols = Scratch(ScratchSlot::kPatches, static_cast<size_t>(patches) * patch_in);
  ImageToPatchRows(pixels, batch, c, size, p, cols);
  float* emb = Scratch(ScratchSlot::kPatchEmbeddings, static_cast<size_t>(patches) * d);
  QIMG_RETURN_IF_ERROR(LinearForward(patch_embedding_, cols, patches, emb));
  float* x = Scratch(ScratchSlot::kTokens, static_cast<size_t>(batch) * seq * d);
#pragma omp parallel for schedule(static) if (WorthParallel(int64_t{batch} * seq * d))
  for (int64_t r = 0; r < static_cast<int64_t>(batch) * seq; ++r) {
    const int64_t b = r / seq;
    const int s = static_cast<int>(r % seq);
    const float* src = s == 0 ? class_embedding_.data() : emb + (b * g * g + s - 1) * d;
    const float* pos = vision_position_.data() + static_cast<int64_t>(s) * d;
    float* dst = x + r * d;
    for (int i = 0; i < d; ++i) dst[i] = src[i] + pos[i];
  }
  LayerNorm(x, static_cast<int64_t>(batch) * seq, d, pre_layrnorm_.gamma.data(),
            pre_layrnorm_.beta.data(), vc.layer_norm_eps, x);
  QIMG_RETURN_IF_ERROR(vision_encoder_.Forward(x, batch, seq, /*causal=*/false));
  std::vector<float> pooled(static_cast<size_t>(batch) * d);
  for (int b = 0; b < batch; ++b) {
    std::memcpy(pooled.data() + static_cast<size_t>(b) * d, x + static_cast<size_t>(b) * seq * d,
                sizeof(float) * d);
  }
  LayerNorm(pooled.data(), batch, d, post_layernorm_.gamma.data(), post_layernorm_.beta.data(),
            vc.layer_norm_eps, pooled.data());
  out.rows = batch;
  out.values.resize(static_cast<size_t>(batch) * out.dim);
  QIMG_RETURN_IF_ERROR(LinearForward(visual_projection_, pooled.data(), batch, out.values.data()));
  return out;
}

}  // namespace qimg::nn
