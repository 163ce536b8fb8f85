#include "nn/bert_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/fs.h"
#include "nn/ops.h"
#include "nn/scratch.h"

namespace qimg::nn {
namespace {

// LayerNorm "<prefix>.weight/.bias", or the old "<prefix>.gamma/.beta".
Result<LayerNormWeights> LoadNorm(const SafetensorsFile& f, const std::string& prefix, int dim) {
  if (f.Find(prefix + ".weight") || !f.Find(prefix + ".gamma")) {
    return LoadLayerNorm(f, prefix, dim);
  }
  LayerNormWeights w;
  QIMG_ASSIGN_OR_RETURN(w.gamma, f.ReadFloat(prefix + ".gamma", {dim}));
  QIMG_ASSIGN_OR_RETURN(w.beta, f.ReadFloat(prefix + ".beta", {dim}));
  return w;
}

void Tanh(Embeddings* e) {
  for (float& v : e->values) v = std::tanh(v);
}

Result<Embeddings> Apply(const Linear& l, const Embeddings& x) {
  Embeddings out;
  out.rows = x.rows;
  out.dim = l.out;
  out.values.resize(static_cast<size_t>(x.rows) * l.out);
  if (x.rows > 0)
    QIMG_RETURN_IF_ERROR(LinearForward(l, x.values.data(), x.rows, out.values.data()));
  return out;
}

}  // namespace

Result<std::unique_ptr<BertModel>> BertModel::Load(const std::string& dir,
                                                   const BertLoadOptions& options) {
  if (!StatPath(dir).is_dir) return Status::NotFound("model folder " + dir + " does not exist");
  QIMG_ASSIGN_OR_RETURN(BertConfig config, LoadBertConfig(JoinPath(dir, "config.json")));
  QIMG_ASSIGN_OR_RETURN(auto file, OpenModelWeights(dir));
  return FromCheckpoint(config, *file, options);
}

Result<std::unique_ptr<BertModel>> BertModel::FromCheckpoint(const BertConfig& config,
                                                             const SafetensorsFile& f,
                                                             const BertLoadOptions& options) {
  std::unique_ptr<BertModel> m(new BertModel());
  m->config_ = config;
  const int d = config.hidden_size;
  const int ff = config.intermediate_size;
  // Base-model tensors may sit under the task model's attribute name.
  std::string p;
  bool found = false;
  for (const char* prefix : {"", "bert.", "roberta.", "model."}) {
    if (f.Find(std::string(prefix) + "embeddings.word_embeddings.weight")) {
      p = prefix;
      found = true;
      break;
    }
  }
  if (!found) {
    return Status::Corrupt(f.path() +
                           ": no embeddings.word_embeddings.weight (not a BERT/XLM-R checkpoint)");
  }
  QIMG_ASSIGN_OR_RETURN(
      m->word_, f.ReadFloat(p + "embeddings.word_embeddings.weight", {config.vocab_size, d}));
  QIMG_ASSIGN_OR_RETURN(m->position_, f.ReadFloat(p + "embeddings.position_embeddings.weight",
                                                  {config.max_position_embeddings, d}));
  QIMG_ASSIGN_OR_RETURN(m->type_, f.ReadFloat(p + "embeddings.token_type_embeddings.weight",
                                              {config.type_vocab_size, d}));
  QIMG_ASSIGN_OR_RETURN(m->emb_ln_, LoadNorm(f, p + "embeddings.LayerNorm", d));
  for (int i = 0; i < config.num_layers; ++i) {
    const std::string l = p + "encoder.layer." + std::to_string(i) + ".";
    Layer layer;
    layer.qkv.in = d;
    layer.qkv.out = 3 * d;
    for (const char* name : {"query", "key", "value"}) {
      QIMG_ASSIGN_OR_RETURN(Linear part, LoadLinear(f, l + "attention.self." + name, d, d, true));
      layer.qkv.weight.insert(layer.qkv.weight.end(), part.weight.begin(), part.weight.end());
      layer.qkv.bias.insert(layer.qkv.bias.end(), part.bias.begin(), part.bias.end());
    }
    QIMG_ASSIGN_OR_RETURN(layer.attn_out, LoadLinear(f, l + "attention.output.dense", d, d, true));
    QIMG_ASSIGN_OR_RETURN(layer.ln1, LoadNorm(f, l + "attention.output.LayerNorm", d));
    QIMG_ASSIGN_OR_RETURN(layer.fc1, LoadLinear(f, l + "intermediate.dense", d, ff, true));
    QIMG_ASSIGN_OR_RETURN(layer.fc2, LoadLinear(f, l + "output.dense", ff, d, true));
    QIMG_ASSIGN_OR_RETURN(layer.ln2, LoadNorm(f, l + "output.LayerNorm", d));
    if (options.int8) {
      layer.qkv.Quantize();
      layer.attn_out.Quantize();
      layer.fc1.Quantize();
      layer.fc2.Quantize();
    }
    m->layers_.push_back(std::move(layer));
  }
  if (f.Find(p + "pooler.dense.weight")) {
    QIMG_ASSIGN_OR_RETURN(m->pooler_, LoadLinear(f, p + "pooler.dense", d, d, true));
  }
  if (config.head == BertHead::kSequenceClassification) {
    const int labels = config.num_labels;
    if (config.family == BertFamily::kXlmRoberta) {
      QIMG_ASSIGN_OR_RETURN(m->classifier_dense_, LoadLinear(f, "classifier.dense", d, d, true));
      QIMG_ASSIGN_OR_RETURN(m->classifier_out_,
                            LoadLinear(f, "classifier.out_proj", d, labels, true));
    } else {
      if (!m->has_pooler()) {
        return Status::Corrupt(f.path() + ": BertForSequenceClassification without a pooler");
      }
      QIMG_ASSIGN_OR_RETURN(m->classifier_out_, LoadLinear(f, "classifier", d, labels, true));
    }
  }
  return m;
}

Result<HiddenStates> BertModel::Forward(const std::vector<std::vector<int32_t>>& ids,
                                        const std::vector<std::vector<int32_t>>& type_ids) const {
  const BertConfig& c = config_;
  const int d = c.hidden_size;
  HiddenStates h;
  h.dim = d;
  h.batch = static_cast<int>(ids.size());
  if (h.batch == 0) return h;
  if (!type_ids.empty() && type_ids.size() != ids.size()) {
    return Status::InvalidArgument("token_type_ids rows do not match input rows");
  }
  for (size_t b = 0; b < ids.size(); ++b) {
    const auto& row = ids[b];
    if (row.empty() || row.size() > static_cast<size_t>(c.max_tokens())) {
      return Status::InvalidArgument("token rows must hold 1.." + std::to_string(c.max_tokens()) +
                                     " ids, got " + std::to_string(row.size()));
    }
    for (int32_t id : row) {
      if (id < 0 || id >= c.vocab_size) {
        return Status::InvalidArgument("token id " + std::to_string(id) +
                                       " outside the vocabulary");
      }
    }
    if (!type_ids.empty()) {
      if (type_ids[b].size() != row.size()) {
        return Status::InvalidArgument("token_type_ids row length differs from its ids");
      }
      for (int32_t t : type_ids[b]) {
        if (t < 0 || t >= c.type_vocab_size) {
          return Status::InvalidArgument("token type " + std::to_string(t) + " out of range");
        }
      }
    }
    h.lengths.push_back(static_cast<int>(row.size()));
    h.seq = std::max(h.seq, static_cast<int>(row.size()));
  }
  const int seq = h.seq;
  const int64_t rows = static_cast<int64_t>(h.batch) * seq;
  h.values.resize(static_cast<size_t>(rows) * d);
  float* x = h.values.data();
  const bool xlmr = c.family == BertFamily::kXlmRoberta;
  for (int b = 0; b < h.batch; ++b) {
    const auto& row = ids[static_cast<size_t>(b)];
    int counted = 0;  // XLM-R: padding_idx + cumsum(ids != pad); pad positions get padding_idx
    for (int s = 0; s < seq; ++s) {
      const bool real = s < static_cast<int>(row.size());
      const int32_t id = real ? row[static_cast<size_t>(s)] : c.pad_token_id;
      const int32_t type = real && !type_ids.empty() ? type_ids[static_cast<size_t>(b)][s] : 0;
      int pos = s;
      if (xlmr) {
        if (id != c.pad_token_id) ++counted;
        pos = id != c.pad_token_id ? c.pad_token_id + counted : c.pad_token_id;
      }
      const float* we = word_.data() + static_cast<size_t>(id) * d;
      const float* pe = position_.data() + static_cast<size_t>(pos) * d;
      const float* te = type_.data() + static_cast<size_t>(type) * d;
      float* dst = x + (static_cast<size_t>(b) * seq + s) * d;
      for (int i = 0; i < d; ++i) dst[i] = we[i] + pe[i] + te[i];
    }
  }
  LayerNorm(x, rows, d, emb_ln_.gamma.data(), emb_ln_.beta.data(), c.layer_norm_eps, x);
  float* attn = Scratch(ScratchSlot::kHidden, static_cast<size_t>(rows) * d);
  float* qkv = Scratch(ScratchSlot::kQkv, static_cast<size_t>(rows) * 3 * d);
  float* mlp = Scratch(ScratchSlot::kMlp, static_cast<size_t>(rows) * c.intermediate_size);
  for (const Layer& l : layers_) {
    QIMG_RETURN_IF_ERROR(LinearForward(l.qkv, x, rows, qkv));
    QIMG_RETURN_IF_ERROR(Attention(qkv, h.batch, seq, c.num_heads, c.head_dim(),
                                   /*causal=*/false, attn, h.lengths.data()));
    QIMG_RETURN_IF_ERROR(LinearForward(l.attn_out, attn, rows, x, Epilogue::kAccumulate));
    LayerNorm(x, rows, d, l.ln1.gamma.data(), l.ln1.beta.data(), c.layer_norm_eps, x);
    QIMG_RETURN_IF_ERROR(LinearForward(l.fc1, x, rows, mlp, Epilogue::kActivation, c.act));
    QIMG_RETURN_IF_ERROR(LinearForward(l.fc2, mlp, rows, x, Epilogue::kAccumulate));
    LayerNorm(x, rows, d, l.ln2.gamma.data(), l.ln2.beta.data(), c.layer_norm_eps, x);
  }
  return h;
}

Embeddings BertModel::Pool(const HiddenStates& h, Pooling pooling) {
  Embeddings e;
  e.rows = h.batch;
  e.dim = h.dim;
  e.values.assign(static_cast<size_t>(h.batch) * h.dim, 0.0f);
  for (int b = 0; b < h.batch; ++b) {
    float* dst = e.values.data() + static_cast<size_t>(b) * h.dim;
    if (pooling == Pooling::kCls) {
      std::memcpy(dst, h.row(b, 0), sizeof(float) * h.dim);
      continue;
    }
    const int n = h.lengths[static_cast<size_t>(b)];
    std::vector<double> sum(static_cast<size_t>(h.dim), 0.0);
    for (int s = 0; s < n; ++s) {
      const float* r = h.row(b, s);
      for (int i = 0; i < h.dim; ++i) sum[static_cast<size_t>(i)] += r[i];
    }
    const double denom = std::max(static_cast<double>(n), 1e-9);
    for (int i = 0; i < h.dim; ++i)
      dst[i] = static_cast<float>(sum[static_cast<size_t>(i)] / denom);
  }
  return e;
}

Result<Embeddings> BertModel::PoolerOutput(const HiddenStates& h) const {
  if (!has_pooler()) return Status::InvalidArgument("this checkpoint has no pooler");
  QIMG_ASSIGN_OR_RETURN(Embeddings out, Apply(pooler_, Pool(h, Pooling::kCls)));
  Tanh(&out);
  return out;
}

Result<Embeddings> BertModel::ClassifierLogits(const HiddenStates& h) const {
  if (classifier_out_.out == 0) {
    return Status::InvalidArgument("this checkpoint has no sequence-classification head");
  }
  Embeddings features;
  if (config_.family == BertFamily::kXlmRoberta) {
    QIMG_ASSIGN_OR_RETURN(features, Apply(classifier_dense_, Pool(h, Pooling::kCls)));
    Tanh(&features);
  } else {
    QIMG_ASSIGN_OR_RETURN(features, PoolerOutput(h));
  }
  return Apply(classifier_out_, features);
}

}  // namespace qimg::nn
