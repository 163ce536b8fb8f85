// BertConfig / XLMRobertaConfig hyper-parameters read from a Hugging Face config.json. Both
// families share one architecture (post-norm encoder, learned absolute positions, token-type
// embeddings); they differ in the position ids (XLM-R counts from padding_idx + 1) and in the
// sequence-classification head. Missing keys take transformers' BertConfig defaults.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "nn/clip_config.h"

namespace qimg::nn {

enum class BertFamily {
  kBert,        // model_type "bert": positions 0, 1, 2, ...; WordPiece vocab.txt
  kXlmRoberta,  // "xlm-roberta" / "roberta": positions pad+1, pad+2, ...; SentencePiece
};

enum class BertHead {
  kNone,                    // BertModel / XLMRobertaModel: hidden states (+ pooler when present)
  kSequenceClassification,  // *ForSequenceClassification: logits over num_labels
};

struct BertConfig : TransformerConfig {
  BertFamily family = BertFamily::kBert;
  BertHead head = BertHead::kNone;
  std::string architecture;  // architectures[0], "" when absent
  int vocab_size = 30522;
  int max_position_embeddings = 512;
  int type_vocab_size = 2;
  int pad_token_id = 0;
  int num_labels = 2;  // sequence classification only (id2label size when num_labels is absent)
  // Positions a sequence may use: max_position_embeddings, less the padding_idx + 1 offset for
  // XLM-R (514 -> 512, BGE-M3's 8194 -> 8192).
  int max_tokens() const {
    return family == BertFamily::kXlmRoberta ? max_position_embeddings - pad_token_id - 1
                                             : max_position_embeddings;
  }
};

// Parses the text of config.json. Unsupported model types, position_embedding_type other than
// "absolute", and out-of-range sizes are InvalidArgument / Corrupt naming the key.
Result<BertConfig> ParseBertConfig(std::string_view json_text);
Result<BertConfig> LoadBertConfig(const std::string& path);

}  // namespace qimg::nn
