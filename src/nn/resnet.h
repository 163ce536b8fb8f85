// The ResNet backbone in Hugging Face's own layout (transformers' ResNetModel, as DETR uses it
// with use_timm_backbone: false): a 7x7/2 convolution stem with batch norm and ReLU, a 3x3/2
// max-pool, then stages of bottleneck blocks (1x1 reduce -> 3x3 -> 1x1 expand, batch norm after
// each, a projection shortcut on the first block of a stage, ReLU after the sum). Batch norms are
// frozen and folded into the convolutions at load. Feature maps are NHWC throughout.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "nn/conv.h"
#include "nn/safetensors.h"

namespace qimg::nn {

// transformers' ResNetConfig (defaults = ResNet-50).
struct ResNetConfig {
  int num_channels = 3;
  int embedding_size = 64;
  std::vector<int> hidden_sizes = {256, 512, 1024, 2048};
  std::vector<int> depths = {3, 4, 6, 3};
  bool downsample_in_first_stage = false;  // stage 1 has stride 1 unless this is set
  bool downsample_in_bottleneck = false;   // stride on the first 1x1 instead of the 3x3
  float batch_norm_eps = 1e-5f;
};

// A batch of NHWC feature maps.
struct FeatureMap {
  int batch = 0;
  int height = 0;
  int width = 0;
  int channels = 0;
  std::vector<float> data;  // [batch, height, width, channels]
};

class ResNetBackbone {
 public:
  // Loads "<prefix>.embedder.embedder.*" and "<prefix>.encoder.stages.{s}.layers.{b}.*", e.g.
  // prefix "model.backbone.conv_encoder.model" in a DETR checkpoint. NotFound / Corrupt naming the
  // tensor when one is missing or has the wrong shape.
  static Result<ResNetBackbone> Load(const SafetensorsFile& f, const std::string& prefix,
                                     const ResNetConfig& config);

  int out_channels() const { return config_.hidden_sizes.back(); }
  // Output extent of the last stage for an input extent (<= 0: too small).
  int OutExtent(int in) const;

  // x: NHWC [batch, height, width, num_channels]. Returns the last stage's features. With
  // `stages`, also the stem output (after the max-pool) and every stage's output, in order.
  Result<FeatureMap> Forward(const float* x, int batch, int height, int width,
                             std::vector<FeatureMap>* stages = nullptr) const;

 private:
  struct Block {
    Conv2d reduce, conv, expand;
    bool has_shortcut = false;
    Conv2d shortcut;
  };
  ResNetConfig config_;
  Conv2d stem_;
  std::vector<std::vector<Block>> stages_;
};

}  // namespace qimg::nn
