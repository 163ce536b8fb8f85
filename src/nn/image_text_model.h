// What the application needs from a contrastive image-text model, whatever its family: text and
// image embeddings in one space, and how a cosine between them becomes a score. CLIP and SigLIP
// (SigLIP 2 included) folders load through LoadImageTextModel, which reads config.json to pick
// the family. Implementations are thread-safe for concurrent Encode* calls.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "media/image.h"
#include "nn/clip_model.h"
#include "nn/clip_tokenizer.h"
#include "nn/image_preprocessor.h"

namespace qimg::nn {

enum class ModelFamily {
  kClip,    // CLIPModel: softmax-trained; logits = scale * cosine
  kSiglip,  // SiglipModel: sigmoid-trained; sigmoid(scale * cosine + bias) is a match probability
};
const char* ModelFamilyName(ModelFamily family);  // "clip" / "siglip"

class ImageTextModel {
 public:
  virtual ~ImageTextModel() = default;
  virtual ModelFamily family() const = 0;
  // Width of text and image embeddings.
  virtual int embedding_dim() const = 0;
  // The vision tower's square input size in pixels.
  virtual int image_size() const = 0;
  // logits = logit_scale * cosine + logit_bias (bias 0 for CLIP), from the checkpoint.
  virtual float logit_scale() const = 0;
  virtual float logit_bias() const = 0;
  // Raw (unnormalised) text_embeds, one row per text, computed in batches of `batch_size`.
  virtual Result<Embeddings> EncodeTexts(const std::vector<std::string>& texts,
                                         int batch_size = 32) const = 0;
  // Lets later EncodeTexts calls reuse the text tower's work on texts that start with one of
  // `prefix_texts` (e.g. "a photo of", the part of a prompt template before the query), once
  // per model rather than once per text. EncodeTexts results do not change (up to float
  // rounding). CLIP: the causal text tower keeps each prefix's keys/values (see
  // ClipModel::CacheTextPrefixes). SigLIP: does nothing and returns Ok, because its text tower
  // is bidirectional (every position sees the whole padded text), so no prefix can be reused.
  virtual Status CacheTextPrefixes(const std::vector<std::string>& prefix_texts) const = 0;
  // Raw image_embeds, one row per image (preprocessing runs in parallel).
  virtual Result<Embeddings> EncodeImages(const std::vector<RgbImage>& images,
                                          int batch_size = 32) const = 0;
  // The token ids the text tower sees for one text (padding included; eos_index marks the end).
  virtual TokenizedText Tokenize(std::string_view text) const = 0;
  // Preprocessed pixels for one image (CHW floats), as EncodeImages computes them.
  virtual Result<std::vector<float>> Preprocess(const RgbImage& image) const = 0;
};

// The image half of EncodeImages shared by the families: preprocesses each batch of at most
// batch_size images in parallel into `per_image` floats each and runs `tower` on it.
Result<Embeddings> EncodeImageBatches(
    const ImagePreprocessor& preprocessor, int64_t per_image, int dim,
    const std::vector<RgbImage>& images, int batch_size,
    const std::function<Result<Embeddings>(const float* pixels, int batch)>& tower);

// The family config.json declares: model_type "siglip" or architectures ["SiglipModel"] is
// SigLIP, anything else is treated as CLIP (older CLIP exports carry neither key reliably).
// InvalidArgument for families that share the names but not the layout (model_type "siglip2",
// the NaFlex checkpoints). NotFound / Corrupt when config.json is missing or not JSON.
Result<ModelFamily> DetectModelFamily(const std::string& dir);

// Loads a model folder of either family.
Result<std::unique_ptr<ImageTextModel>> LoadImageTextModel(const std::string& dir,
                                                           const ClipLoadOptions& options = {});
// The embedding width from config.json alone (no weights read).
Result<int> ImageTextEmbeddingDim(const std::string& dir);

}  // namespace qimg::nn
