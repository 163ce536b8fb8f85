// Hugging Face DetrForObjectDetection (facebook/detr-resnet-50 at revision no_timm and models of
// the same architecture), loaded from model.safetensors with the checkpoint's own tensor names:
// ResNet backbone -> 1x1 input projection -> post-norm transformer encoder with sine position
// embeddings -> decoder over learned object queries -> class logits and sigmoid boxes.
// The semantics are transformers' modeling_detr.py; ../shared/testdata/detr-tiny/README.md spells
// them out and the golden tests hold this file to them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "nn/detr_attention.h"
#include "nn/detr_config.h"
#include "nn/linear.h"
#include "nn/resnet.h"
#include "nn/safetensors.h"
#include "nn/transformer.h"

namespace qimg::nn {

struct DetrOutputs {
  int batch = 0;
  int num_queries = 0;
  int num_classes = 0;        // num_labels + 1 ("no object" last)
  std::vector<float> logits;  // [batch, num_queries, num_classes]
  std::vector<float>
      boxes;  // [batch, num_queries, 4]: (cx, cy, w, h) in [0, 1] of the unpadded image
};

// Intermediate results, for the golden tests and debugging. Token-major layouts: token index
// r * feature_width + c, d_model values per token.
struct DetrTrace {
  std::vector<FeatureMap> backbone;  // stem (after the max-pool), stage 1 .. stage N
  int feature_height = 0;
  int feature_width = 0;
  std::vector<uint8_t> feature_mask;  // [batch, feature_height, feature_width]
  std::vector<float> position;        // [batch, tokens, d_model]
  std::vector<float> projected;       // [batch, tokens, d_model]
  std::vector<float> encoder_output;  // [batch, tokens, d_model]
  std::vector<float> decoder_output;  // [batch, num_queries, d_model]
};

class DetrModel {
 public:
  // Loads config.json and model.safetensors from a model folder.
  static Result<std::unique_ptr<DetrModel>> Load(const std::string& dir);
  // Builds from an already opened checkpoint (the benchmark builds one in memory).
  static Result<std::unique_ptr<DetrModel>> FromCheckpoint(const DetrConfig& config,
                                                           const SafetensorsFile& file);

  const DetrConfig& config() const { return config_; }

  // pixels: [batch, num_channels, height, width] (CHW per image, normalised); pixel_mask:
  // [batch, height, width], nonzero on real pixels, or null for "all real". InvalidArgument when
  // the image is too small for the backbone.
  Result<DetrOutputs> Forward(const float* pixels, const uint8_t* pixel_mask, int batch, int height,
                              int width, DetrTrace* trace = nullptr) const;

 private:
  struct EncoderLayer {
    DetrAttention self_attn;
    LayerNormWeights self_attn_norm, final_norm;
    Linear fc1, fc2;
  };
  struct DecoderLayer {
    DetrAttention self_attn, cross_attn;
    LayerNormWeights self_attn_norm, cross_attn_norm, final_norm;
    Linear fc1, fc2;
  };
  DetrModel() = default;
  // fc2(relu(fc1(x))) added to x, then the layer norm; x is [rows, d_model].
  Status FeedForward(const Linear& fc1, const Linear& fc2, const LayerNormWeights& norm, float* x,
                     int64_t rows) const;

  DetrConfig config_;
  ResNetBackbone backbone_;
  Linear input_projection_;             // 1x1 convolution as a linear layer over NHWC tokens
  std::vector<float> query_positions_;  // [num_queries, d_model]
  std::vector<EncoderLayer> encoder_;
  std::vector<DecoderLayer> decoder_;
  LayerNormWeights decoder_norm_;
  Linear class_head_;
  Linear box_head_[3];
};

// The sine position embedding (normalised, temperature 10000) of a [height, width] mask:
// [height * width, d_model] token-major, the first d_model/2 channels from the row coordinate.
void DetrSinePositionEmbedding(const uint8_t* mask, int height, int width, int d_model, float* out);

// PyTorch's interpolate(mode="nearest") of a [in_h, in_w] mask to [out_h, out_w].
void DownsampleMask(const uint8_t* mask, int in_h, int in_w, int out_h, int out_w, uint8_t* out);

}  // namespace qimg::nn
