#include "nn/cross_encoder.h"

#include <algorithm>
#include <cmath>

#include "nn/text_embedder.h"

namespace qimg::nn {

Result<std::unique_ptr<CrossEncoder>> CrossEncoder::Load(const std::string& dir,
                                                         const BertLoadOptions& options) {
  std::unique_ptr<CrossEncoder> c(new CrossEncoder());
  QIMG_ASSIGN_OR_RETURN(c->model_, BertModel::Load(dir, options));
  const BertConfig& config = c->model_->config();
  if (config.head != BertHead::kSequenceClassification) {
    return Status::InvalidArgument(dir + ": architecture '" + config.architecture +
                                   "' is not a *ForSequenceClassification cross-encoder");
  }
  QIMG_ASSIGN_OR_RETURN(c->tokenizer_,
                        TextTokenizer::LoadFromDir(dir, config.family, TextMaxLength(dir, config)));
  return c;
}

Result<Embeddings> CrossEncoder::Logits(const std::string& query,
                                        const std::vector<std::string>& texts,
                                        int batch_size) const {
  std::vector<std::vector<int32_t>> ids, types;
  for (const std::string& t : texts) {
    std::vector<int32_t> type_ids;
    ids.push_back(tokenizer_->EncodePair(query, t, &type_ids).ids);
    types.push_back(std::move(type_ids));
  }
  Embeddings all;
  all.dim = model_->config().num_labels;
  all.rows = static_cast<int>(texts.size());
  all.values.resize(texts.size() * static_cast<size_t>(all.dim));
  QIMG_RETURN_IF_ERROR(
      ForEachLengthBatch(ids, batch_size, 16384, [&](const std::vector<size_t>& group) -> Status {
        std::vector<std::vector<int32_t>> rows, row_types;
        for (size_t i : group) {
          rows.push_back(ids[i]);
          row_types.push_back(types[i]);
        }
        QIMG_ASSIGN_OR_RETURN(HiddenStates h, model_->Forward(rows, row_types));
        QIMG_ASSIGN_OR_RETURN(Embeddings logits, model_->ClassifierLogits(h));
        for (size_t k = 0; k < group.size(); ++k) {
          std::copy(
              logits.row(static_cast<int>(k)), logits.row(static_cast<int>(k)) + all.dim,
              all.values.begin() + static_cast<long>(group[k] * static_cast<size_t>(all.dim)));
        }
        return Status::Ok();
      }));
  return all;
}

Result<std::vector<float>> CrossEncoder::Score(const std::string& query,
                                               const std::vector<std::string>& texts,
                                               int batch_size) const {
  QIMG_ASSIGN_OR_RETURN(Embeddings logits, Logits(query, texts, batch_size));
  std::vector<float> scores;
  for (int r = 0; r < logits.rows; ++r) {
    const float* l = logits.row(r);
    if (logits.dim == 1) {
      scores.push_back(static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(l[0])))));
      continue;
    }
    const float mx = *std::max_element(l, l + logits.dim);
    double sum = 0;
    for (int i = 0; i < logits.dim; ++i) sum += std::exp(static_cast<double>(l[i] - mx));
    scores.push_back(
        static_cast<float>(std::exp(static_cast<double>(l[logits.dim - 1] - mx)) / sum));
  }
  return scores;
}

}  // namespace qimg::nn
