// The OCR-text channel's encoder (SPEC §8.1-8.2: embed.text_model, e.g. BGE-M3), behind an
// interface so the channel lights up as soon as src/nn gains a BERT/XLM-R text encoder: only
// LoadTextEncoder changes then. Until then it reports Unavailable and the OCR vector channel is
// skipped (the OCR lexical channel needs no model and always runs).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "base/status.h"

namespace qimg {

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
// when no text encoder can be loaded.
Result<std::shared_ptr<const TextEncoder>> LoadTextEncoder(const Config& config);

}  // namespace qimg
