// The OCR-text channel's encoder (SPEC §8.1-8.2: embed.text_model, e.g. BGE-M3) and the
// cross-encoder reranker model (search.reranker_model), both on src/nn's BERT / XLM-R engine.
//
// Text encoder rules (docs/search.md "OCR vector channel"):
//  - prefixes by the lowercased configured name (SPEC §8.2): "e5" -> "query: " / "passage: "
//    unless present; "bge" without "m3", queries only -> the BGE retrieval instruction
//    "Represent this sentence for searching relevant passages: " unless present; BGE-M3 none;
//  - pooling: the folder's sentence-transformers Pooling module, else "bge" in the name -> CLS,
//    otherwise attention-mask mean; then L2 normalisation;
//  - a text longer than the model's limit (min(model_max_length, positions): BGE-M3 8192,
//    bge-small 512 tokens) is cut into consecutive windows of that many pieces, each encoded
//    with its own [CLS]/[SEP] (and the prefix), and the unit window vectors are averaged and
//    renormalised; an empty (trimmed) text gives a zero vector.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "base/status.h"

namespace qimg {

namespace nn {
class CrossEncoder;
}

class TextEncoder {
 public:
  virtual ~TextEncoder() = default;
  // "<embed.text_model>:d<dim>" (no device, SPEC §15.27); the OCR channel stores it + ":ocr".
  virtual const std::string& model_id() const = 0;
  virtual int dim() const = 0;
  // Unit vectors (rows x dim), one per text; empty texts give zero rows. Documents are OCR
  // texts, queries are search queries (the model's own query/passage prefix rules apply).
  virtual Result<std::vector<std::vector<float>>> EncodeDocuments(
      const std::vector<std::string>& texts) const = 0;
  virtual Result<std::vector<std::vector<float>>> EncodeQueries(
      const std::vector<std::string>& texts) const = 0;
};

// Unavailable (with the reason and, when the model is missing, the command that installs it)
// when no text encoder can be loaded. Loaded models are cached per folder for the process.
Result<std::shared_ptr<const TextEncoder>> LoadTextEncoder(const Config& config);

// The cross-encoder named by search.reranker_model (a *ForSequenceClassification folder or
// installed name). InvalidArgument when the setting is empty; Unavailable when not installed.
Result<std::shared_ptr<const nn::CrossEncoder>> LoadRerankerModel(const Config& config);

}  // namespace qimg
