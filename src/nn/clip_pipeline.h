// Everything needed to turn texts and decoded images into CLIP embeddings, loaded from one
// Hugging Face model folder: config.json + model.safetensors (ClipModel), the tokenizer files
// (ClipTokenizer) and preprocessor_config.json (ImagePreprocessor). Thread-safe for concurrent
// Encode* calls (all state is read-only after Load).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "media/image.h"
#include "nn/clip_model.h"
#include "nn/clip_tokenizer.h"
#include "nn/image_preprocessor.h"
#include "nn/image_text_model.h"

namespace qimg::nn {

class ClipPipeline : public ImageTextModel {
 public:
  // NotFound when a required file is missing, Corrupt when one is malformed, InvalidArgument when
  // the preprocessor's output size does not match vision_config.image_size.
  static Result<std::unique_ptr<ClipPipeline>> Load(const std::string& dir,
                                                    const ClipLoadOptions& options = {});

  const ClipModel& model() const { return *model_; }
  const ClipTokenizer& tokenizer() const { return *tokenizer_; }
  const ImagePreprocessor& preprocessor() const { return preprocessor_; }

  ModelFamily family() const override { return ModelFamily::kClip; }
  int embedding_dim() const override { return model_->config().projection_dim; }
  int image_size() const override { return model_->config().vision.image_size; }
  float logit_scale() const override { return model_->logit_scale_exp(); }
  float logit_bias() const override { return 0.0f; }
  // Raw text_embeds, one row per text, computed in batches of at most `batch_size`.
  Result<Embeddings> EncodeTexts(const std::vector<std::string>& texts,
                                 int batch_size = 32) const override;
  // Tokenizes each prefix (BOS and its tokens, no EOS or padding) for
  // ClipModel::CacheTextPrefixes. A text that tokenizes differently inside a longer text just
  // fails to match: rows are matched by token ids, never by string.
  Status CacheTextPrefixes(const std::vector<std::string>& prefix_texts) const override;
  // Raw image_embeds, one row per image (preprocessing runs in parallel).
  Result<Embeddings> EncodeImages(const std::vector<RgbImage>& images,
                                  int batch_size = 32) const override;
  TokenizedText Tokenize(std::string_view text) const override { return tokenizer_->Encode(text); }
  Result<std::vector<float>> Preprocess(const RgbImage& image) const override {
    return preprocessor_.Preprocess(image);
  }

 private:
  ClipPipeline(std::unique_ptr<ClipModel> model, std::unique_ptr<ClipTokenizer> tokenizer,
               ImagePreprocessor preprocessor)
      : model_(std::move(model)),
        tokenizer_(std::move(tokenizer)),
        preprocessor_(std::move(preprocessor)) {}
  std::unique_ptr<ClipModel> model_;
  std::unique_ptr<ClipTokenizer> tokenizer_;
  ImagePreprocessor preprocessor_;
};

}  // namespace qimg::nn
