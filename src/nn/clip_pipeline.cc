#include "nn/clip_pipeline.h"

#include <algorithm>

#include "base/fs.h"

namespace qimg::nn {
Result<std::unique_ptr<ClipPipeline>> ClipPipeline::Load(const std::string& dir,
                                                         const ClipLoadOptions& options) {
  if (!StatPath(dir).is_dir) return Status::NotFound("model folder " + dir + " does not exist");
  QIMG_ASSIGN_OR_RETURN(auto model, ClipModel::Load(dir, options));
  QIMG_ASSIGN_OR_RETURN(auto tokenizer, ClipTokenizer::LoadFromDir(
                                            dir, model->config().text.max_position_embeddings));
  const std::string pp = JoinPath(dir, "preprocessor_config.json");
  if (!StatPath(pp).exists) return Status::NotFound(dir + ": no preprocessor_config.json");
  QIMG_ASSIGN_OR_RETURN(PreprocessorConfig pconfig, LoadPreprocessorConfig(pp));
  ImagePreprocessor preprocessor(pconfig);
  const ClipVisionConfig& vc = model->config().vision;
  if (preprocessor.output_height() != vc.image_size ||
      preprocessor.output_width() != vc.image_size || vc.num_channels != 3) {
    return Status::InvalidArgument(
        dir + ": preprocessor output " + std::to_string(preprocessor.output_width()) + "x" +
        std::to_string(preprocessor.output_height()) + " does not match the vision tower's " +
        std::to_string(vc.image_size) + "x" + std::to_string(vc.image_size) + " RGB input");
  }
  return std::unique_ptr<ClipPipeline>(
      new ClipPipeline(std::move(model), std::move(tokenizer), std::move(preprocessor)));
}

Result<Embeddings> ClipPipeline::EncodeTexts(const std::vector<std::string>& texts,
                                             int batch_size) const {
  Embeddings all;
  all.dim = model_->config().projection_dim;
  all.rows = static_cast<int>(texts.size());
  all.values.resize(texts.size() * static_cast<size_t>(all.dim));
  batch_size = std::max(1, batch_size);
  std::vector<TokenizedText> tokens;
  tokens.reserve(texts.size());
  for (const std::string& t : texts) tokens.push_back(tokenizer_->Encode(t));
  // Batch texts of similar length together: the text tower only runs up to the batch's last EOS,
  // so one long caption does not make 31 short ones pay for 77 positions.
  std::vector<size_t> order(texts.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return tokens[a].eos_index < tokens[b].eos_index; });
  for (size_t start = 0; start < order.size(); start += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(order.size(), start + static_cast<size_t>(batch_size));
    std::vector<std::vector<int32_t>> ids;
    for (size_t i = start; i < end; ++i) ids.push_back(tokens[order[i]].input_ids);
    QIMG_ASSIGN_OR_RETURN(Embeddings part, model_->EncodeTokenIds(ids));
    for (size_t i = start; i < end; ++i) {
      std::copy(part.row(static_cast<int>(i - start)),
                part.row(static_cast<int>(i - start)) + all.dim,
                all.values.begin() + static_cast<long>(order[i] * static_cast<size_t>(all.dim)));
    }
  }
  return all;
}

Status ClipPipeline::CacheTextPrefixes(const std::vector<std::string>& prefix_texts) const {
  std::vector<std::vector<int32_t>> ids;
  ids.reserve(prefix_texts.size());
  for (const std::string& t : prefix_texts) {
    TokenizedText tok = tokenizer_->Encode(t);
    ids.emplace_back(tok.input_ids.begin(), tok.input_ids.begin() + tok.eos_index);
  }
  return model_->CacheTextPrefixes(ids);
}

Result<Embeddings> ClipPipeline::EncodeImages(const std::vector<RgbImage>& images,
                                              int batch_size) const {
  return EncodeImageBatches(
      preprocessor_, model_->PixelsPerImage(), model_->config().projection_dim, images, batch_size,
      [this](const float* pixels, int n) { return model_->EncodePixels(pixels, n); });
}

}  // namespace qimg::nn
