// Everything needed to turn texts and decoded images into SigLIP embeddings, loaded from one
// Hugging Face model folder: config.json + model.safetensors (SiglipModel), spiece.model or the
// Gemma tokenizer.model (SiglipTokenizer) and preprocessor_config.json (SiglipImageProcessor:
// resize to the model size ignoring the aspect ratio, no crop, rescale, normalise). Thread-safe
// for concurrent Encode* calls.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "nn/image_preprocessor.h"
#include "nn/image_text_model.h"
#include "nn/siglip_model.h"
#include "nn/siglip_tokenizer.h"

namespace qimg::nn {

class SiglipPipeline : public ImageTextModel {
 public:
  // NotFound when a required file is missing, Corrupt when one is malformed, InvalidArgument when
  // the preprocessor's output size does not match vision_config.image_size.
  static Result<std::unique_ptr<SiglipPipeline>> Load(const std::string& dir,
                                                      const ClipLoadOptions& options = {});

  const SiglipModel& model() const { return *model_; }
  const SiglipTokenizer& tokenizer() const { return *tokenizer_; }
  const ImagePreprocessor& preprocessor() const { return preprocessor_; }

  ModelFamily family() const override { return ModelFamily::kSiglip; }
  int embedding_dim() const override { return model_->config().embedding_dim(); }
  int image_size() const override { return model_->config().vision.image_size; }
  float logit_scale() const override { return model_->logit_scale_exp(); }
  float logit_bias() const override { return model_->logit_bias(); }
  Result<Embeddings> EncodeTexts(const std::vector<std::string>& texts,
                                 int batch_size = 32) const override;
  // No-op (Ok): SigLIP's text tower is bidirectional over a fixed padded length, so every
  // position depends on the whole text and no prefix work can be reused.
  Status CacheTextPrefixes(const std::vector<std::string>&) const override { return Status::Ok(); }
  Result<Embeddings> EncodeImages(const std::vector<RgbImage>& images,
                                  int batch_size = 32) const override;
  TokenizedText Tokenize(std::string_view text) const override { return tokenizer_->Encode(text); }
  Result<std::vector<float>> Preprocess(const RgbImage& image) const override {
    return preprocessor_.Preprocess(image);
  }

 private:
  SiglipPipeline(std::unique_ptr<SiglipModel> model, std::unique_ptr<SiglipTokenizer> tokenizer,
                 ImagePreprocessor preprocessor)
      : model_(std::move(model)),
        tokenizer_(std::move(tokenizer)),
        preprocessor_(std::move(preprocessor)) {}
  std::unique_ptr<SiglipModel> model_;
  std::unique_ptr<SiglipTokenizer> tokenizer_;
  ImagePreprocessor preprocessor_;
};

}  // namespace qimg::nn
