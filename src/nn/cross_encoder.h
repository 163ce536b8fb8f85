// Cross-encoder relevance scores from a BertForSequenceClassification /
// XLMRobertaForSequenceClassification folder (e.g. BAAI/bge-reranker-base): each (query, text)
// pair is encoded as one sequence ([CLS] q [SEP] t [SEP], or <s> q </s></s> t </s> for XLM-R),
// truncated longest-first to the model's limit, and scored as sigmoid(logit) with one label, or
// softmax probability of the last label with several (the "relevant" class of two-label heads).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "nn/bert_model.h"
#include "nn/text_tokenizer.h"

namespace qimg::nn {

class CrossEncoder {
 public:
  // InvalidArgument when the folder is not a sequence-classification model.
  static Result<std::unique_ptr<CrossEncoder>> Load(const std::string& dir,
                                                    const BertLoadOptions& options = {});
  const BertModel& model() const { return *model_; }
  const TextTokenizer& tokenizer() const { return *tokenizer_; }

  // One score in [0, 1] per text, higher = more relevant to the query.
  Result<std::vector<float>> Score(const std::string& query, const std::vector<std::string>& texts,
                                   int batch_size = 16) const;
  // The raw logits rows for the pairs (tests, debugging).
  Result<Embeddings> Logits(const std::string& query, const std::vector<std::string>& texts,
                            int batch_size = 16) const;

 private:
  CrossEncoder() = default;
  std::unique_ptr<BertModel> model_;
  std::unique_ptr<TextTokenizer> tokenizer_;
};

}  // namespace qimg::nn
