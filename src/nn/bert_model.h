// Hugging Face BertModel / XLMRobertaModel (and their *ForSequenceClassification heads) on the
// engine's blocks: embeddings = LayerNorm(word + position + token_type), then post-norm layers
//   x = LN1(x + attn_out(attn(qkv(x))));  x = LN2(x + fc2(act(fc1(x)))),
// attention masked per row for right-padded batches. Tensor names are the checkpoint's own;
// packaging variants of real checkpoints are accepted: a "bert." / "roberta." prefix,
// LayerNorm.gamma/beta, an extra embeddings.position_ids buffer (ignored), F16/BF16 tensors.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "nn/bert_config.h"
#include "nn/clip_model.h"
#include "nn/linear.h"
#include "nn/safetensors.h"
#include "nn/transformer.h"

namespace qimg::nn {

struct BertLoadOptions {
  bool int8 = false;  // int8 encoder GEMMs (embeddings, norms and heads stay fp32)
};

// last_hidden_state of a right-padded batch.
struct HiddenStates {
  int batch = 0;
  int seq = 0;
  int dim = 0;
  std::vector<int> lengths;   // real tokens per row (the attention mask's ones)
  std::vector<float> values;  // [batch, seq, dim]; padding rows computed as transformers does
  const float* row(int b, int s) const {
    return values.data() + (static_cast<size_t>(b) * seq + s) * dim;
  }
};

enum class Pooling { kCls, kMean };

class BertModel {
 public:
  // config.json + model.safetensors of a model folder.
  static Result<std::unique_ptr<BertModel>> Load(const std::string& dir,
                                                 const BertLoadOptions& options = {});
  static Result<std::unique_ptr<BertModel>> FromCheckpoint(const BertConfig& config,
                                                           const SafetensorsFile& file,
                                                           const BertLoadOptions& options = {});

  const BertConfig& config() const { return config_; }
  bool has_pooler() const { return !pooler_.weight.empty() || pooler_.quantized(); }

  // Runs the encoder on rows of ids (each 1..config().max_tokens() long, with their markers);
  // shorter rows are padded with pad_token_id to the longest. `type_ids`, when not empty, has
  // one row per id row of the same length (else zeros). InvalidArgument on ids outside the
  // vocabulary / token types, empty or over-long rows.
  Result<HiddenStates> Forward(const std::vector<std::vector<int32_t>>& ids,
                               const std::vector<std::vector<int32_t>>& type_ids = {}) const;

  // CLS (row 0) or attention-mask mean (sum / max(count, 1e-9), markers included) per row.
  static Embeddings Pool(const HiddenStates& h, Pooling pooling);
  // tanh(pooler.dense(CLS)). FailedPrecondition-like InvalidArgument when there is no pooler.
  Result<Embeddings> PoolerOutput(const HiddenStates& h) const;
  // Sequence-classification logits [batch, num_labels]: BERT classifier(pooler_output); XLM-R
  // out_proj(tanh(dense(CLS))). InvalidArgument when the checkpoint has no such head.
  Result<Embeddings> ClassifierLogits(const HiddenStates& h) const;

 private:
  struct Layer {
    Linear qkv, attn_out, fc1, fc2;
    LayerNormWeights ln1, ln2;
  };
  BertModel() = default;

  BertConfig config_;
  std::vector<float> word_;      // [vocab, hidden]
  std::vector<float> position_;  // [max_position_embeddings, hidden]
  std::vector<float> type_;      // [type_vocab, hidden]
  LayerNormWeights emb_ln_;
  std::vector<Layer> layers_;
  Linear pooler_;            // optional
  Linear classifier_dense_;  // XLM-R head
  Linear classifier_out_;    // XLM-R out_proj / BERT classifier
};

}  // namespace qimg::nn
