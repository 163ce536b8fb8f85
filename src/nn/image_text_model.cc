#include "nn/image_text_model.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "nn/clip_pipeline.h"
#include "nn/siglip_config.h"
#include "nn/siglip_pipeline.h"

namespace qimg::nn {

const char* ModelFamilyName(ModelFamily family) {
  return family == ModelFamily::kSiglip ? "siglip" : "clip";
}

Result<Embeddings> EncodeImageBatches(
    const ImagePreprocessor& preprocessor, int64_t per_image, int dim,
    const std::vector<RgbImage>& images, int batch_size,
    const std::function<Result<Embeddings>(const float* pixels, int batch)>& tower) {
  Embeddings all;
  all.dim = dim;
  batch_size = std::max(1, batch_size);
  for (size_t start = 0; start < images.size(); start += static_cast<size_t>(batch_size)) {
    const int n =
        static_cast<int>(std::min(images.size() - start, static_cast<size_t>(batch_size)));
    std::vector<float> pixels(static_cast<size_t>(n) * static_cast<size_t>(per_image));
    std::vector<Status> status(static_cast<size_t>(n));
#pragma omp parallel for schedule(dynamic)
    for (int i = 0; i < n; ++i) {
      status[static_cast<size_t>(i)] = preprocessor.Preprocess(
          images[start + static_cast<size_t>(i)], pixels.data() + i * per_image);
    }
    for (int i = 0; i < n; ++i) {
      if (!status[static_cast<size_t>(i)].ok()) {
        return status[static_cast<size_t>(i)].WithContext(
            "image " + std::to_string(start + static_cast<size_t>(i)));
      }
    }
    QIMG_ASSIGN_OR_RETURN(Embeddings part, tower(pixels.data(), n));
    all.rows += part.rows;
    all.values.insert(all.values.end(), part.values.begin(), part.values.end());
  }
  return all;
}

Result<ModelFamily> DetectModelFamily(const std::string& dir) {
  const std::string path = JoinPath(dir, "config.json");
  if (!StatPath(path).exists) return Status::NotFound(dir + ": no config.json");
  QIMG_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, 16 << 20));
  nlohmann::json root = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    return Status::Corrupt(path + ": not a JSON object");
  std::string type;
  if (auto it = root.find("model_type"); it != root.end() && it->is_string()) type = *it;
  bool siglip_arch = false;
  if (auto it = root.find("architectures"); it != root.end() && it->is_array()) {
    for (const auto& a : *it) siglip_arch |= a.is_string() && a.get<std::string>() == "SiglipModel";
  }
  if (type == "siglip2") {
    return Status::InvalidArgument(
        path +
        ": SigLIP 2 NaFlex checkpoints (model_type siglip2) are not supported; use a "
        "fixed-resolution one such as google/siglip2-base-patch16-224");
  }
  if (type == "siglip" || siglip_arch) return ModelFamily::kSiglip;
  return ModelFamily::kClip;
}

Result<std::unique_ptr<ImageTextModel>> LoadImageTextModel(const std::string& dir,
                                                           const ClipLoadOptions& options) {
  if (!StatPath(dir).is_dir) return Status::NotFound("model folder " + dir + " does not exist");
  QIMG_ASSIGN_OR_RETURN(ModelFamily family, DetectModelFamily(dir));
  if (family == ModelFamily::kSiglip) {
    QIMG_ASSIGN_OR_RETURN(auto p, SiglipPipeline::Load(dir, options));
    return std::unique_ptr<ImageTextModel>(std::move(p));
  }
  QIMG_ASSIGN_OR_RETURN(auto p, ClipPipeline::Load(dir, options));
  return std::unique_ptr<ImageTextModel>(std::move(p));
}

Result<int> ImageTextEmbeddingDim(const std::string& dir) {
  QIMG_ASSIGN_OR_RETURN(ModelFamily family, DetectModelFamily(dir));
  const std::string path = JoinPath(dir, "config.json");
  if (family == ModelFamily::kSiglip) {
    QIMG_ASSIGN_OR_RETURN(SiglipConfig c, LoadSiglipConfig(path));
    return c.embedding_dim();
  }
  QIMG_ASSIGN_OR_RETURN(ClipConfig c, LoadClipConfig(path));
  return c.projection_dim;
}

}  // namespace qimg::nn
