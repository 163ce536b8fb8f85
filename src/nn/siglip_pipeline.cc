#include "nn/siglip_pipeline.h"

#include <algorithm>

#include "base/fs.h"

namespace qimg::nn {

Result<std::unique_ptr<SiglipPipeline>> SiglipPipeline::Load(const std::string& dir,
                                                             const ClipLoadOptions& options) {
  if (!StatPath(dir).is_dir) return Status::NotFound("model folder " + dir + " does not exist");
  QIMG_ASSIGN_OR_RETURN(auto model, SiglipModel::Load(dir, options));
  QIMG_ASSIGN_OR_RETURN(auto tokenizer, SiglipTokenizer::LoadFromDir(
                                            dir, model->config().text.max_position_embeddings));
  const std::string pp = JoinPath(dir, "preprocessor_config.json");
  if (!StatPath(pp).exists) return Status::NotFound(dir + ": no preprocessor_config.json");
  QIMG_ASSIGN_OR_RETURN(PreprocessorConfig pconfig, LoadPreprocessorConfig(pp));
  // SiglipImageProcessor resizes straight to size.{height,width} and has no crop step, whatever
  // the CLIP defaults say.
  pconfig.do_center_crop = false;
  const SiglipVisionConfig& vc = model->config().vision;
  if (pconfig.size_height == 0 || pconfig.size_width == 0) {
    pconfig.size_height = pconfig.size_width = vc.image_size;
  }
  ImagePreprocessor preprocessor(pconfig);
  if (!pconfig.do_resize || preprocessor.output_height() != vc.image_size ||
      preprocessor.output_width() != vc.image_size || vc.num_channels != 3) {
    return Status::InvalidArgument(
        dir + ": preprocessor output " + std::to_string(preprocessor.output_width()) + "x" +
        std::to_string(preprocessor.output_height()) + " does not match the vision tower's " +
        std::to_string(vc.image_size) + "x" + std::to_string(vc.image_size) + " RGB input");
  }
  return std::unique_ptr<SiglipPipeline>(
      new SiglipPipeline(std::move(model), std::move(tokenizer), std::move(preprocessor)));
}

Result<Embeddings> SiglipPipeline::EncodeTexts(const std::vector<std::string>& texts,
                                               int batch_size) const {
  Embeddings all;
  all.dim = embedding_dim();
  batch_size = std::max(1, batch_size);
  // Every row is max_length long (the tower attends to its padding), so no length sorting.
  for (size_t start = 0; start < texts.size(); start += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(texts.size(), start + static_cast<size_t>(batch_size));
    std::vector<std::vector<int32_t>> ids;
    for (size_t i = start; i < end; ++i) ids.push_back(tokenizer_->Encode(texts[i]).input_ids);
    QIMG_ASSIGN_OR_RETURN(Embeddings part, model_->EncodeTokenIds(ids));
    all.rows += part.rows;
    all.values.insert(all.values.end(), part.values.begin(), part.values.end());
  }
  return all;
}

Result<Embeddings> SiglipPipeline::EncodeImages(const std::vector<RgbImage>& images,
                                                int batch_size) const {
  return EncodeImageBatches(
      preprocessor_, model_->PixelsPerImage(), embedding_dim(), images, batch_size,
      [this](const float* pixels, int n) { return model_->EncodePixels(pixels, n); });
}

}  // namespace qimg::nn
