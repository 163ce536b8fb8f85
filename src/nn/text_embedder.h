// Sentence embeddings from a BERT / XLM-R model folder (bge-small-en-v1.5, all-MiniLM-L6-v2,
// BGE-M3, ...): tokenizer + BertModel + pooling. Thread-safe for concurrent Encode calls.
//
// Pooling, first rule that applies:
//   1. the caller's choice (qimg encode --pooling cls|mean);
//   2. the folder's sentence-transformers Pooling module: modules.json names it (usually
//      1_Pooling/), its config.json sets pooling_mode_cls_token or pooling_mode_mean_tokens;
//   3. the folder name: containing "bge" (any case) -> CLS, anything else -> mean, the original
//      tool's rule (SPEC §8.2).
// Sequence limit: min(tokenizer_config model_max_length, the positions the model has) ids,
// markers included (BGE-M3: 8192; bge-small / MiniLM: 512).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "nn/bert_model.h"
#include "nn/text_tokenizer.h"

namespace qimg::nn {

struct TextEmbedderOptions {
  bool int8 = false;
  bool pooling_set = false;  // true: use `pooling` (rule 1)
  Pooling pooling = Pooling::kCls;
  // The name rule 3 looks at; empty: the folder's own name. (The application passes the
  // configured model name: its folders are called base/ or finetuned/.)
  std::string name_hint;
};

class TextEmbedder {
 public:
  static Result<std::unique_ptr<TextEmbedder>> Load(const std::string& dir,
                                                    const TextEmbedderOptions& options = {});

  const BertModel& model() const { return *model_; }
  const TextTokenizer& tokenizer() const { return *tokenizer_; }
  Pooling pooling() const { return pooling_; }
  // Why that pooling: "option", "1_Pooling/config.json" (the module's path) or "name rule".
  const std::string& pooling_source() const { return pooling_source_; }
  int dim() const { return model_->config().hidden_size; }
  int max_length() const { return tokenizer_->max_length(); }

  // Pooled, not normalised, one row per text (truncated to max_length ids). Texts are batched
  // by similar length (at most `batch_size` rows and ~16k tokens a batch).
  Result<Embeddings> Encode(const std::vector<std::string>& texts, int batch_size = 16) const;
  // The same for already tokenized rows (with markers).
  Result<Embeddings> EncodeIds(const std::vector<std::vector<int32_t>>& ids,
                               int batch_size = 16) const;

 private:
  TextEmbedder() = default;
  std::unique_ptr<BertModel> model_;
  std::unique_ptr<TextTokenizer> tokenizer_;
  Pooling pooling_ = Pooling::kMean;
  std::string pooling_source_;
};

// True when the folder's config.json describes a BERT / XLM-R model (model_type bert, roberta,
// xlm-roberta): the folders TextEmbedder / CrossEncoder load.
bool IsBertFamilyFolder(const std::string& dir);

// The tokenizer limit for a folder: min(model_max_length when set, config.max_tokens()).
int TextMaxLength(const std::string& dir, const BertConfig& config);

// Runs `run` on groups of rows of similar length: at most batch_size rows and about
// `token_budget` padded tokens per group. `run` gets the original row indices of its group.
Status ForEachLengthBatch(const std::vector<std::vector<int32_t>>& ids, int batch_size,
                          int64_t token_budget,
                          const std::function<Status(const std::vector<size_t>&)>& run);

}  // namespace qimg::nn
