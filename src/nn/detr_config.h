// DetrForObjectDetection hyper-parameters read from a Hugging Face config.json (transformers'
// DetrConfig with use_timm_backbone: false and a nested ResNet backbone_config). Nothing about the
// model's size is hard-coded: facebook/detr-resnet-50 and the tiny golden model differ only in
// these numbers. Missing keys take DetrConfig's / ResNetConfig's defaults.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/status.h"
#include "nn/resnet.h"

namespace qimg::nn {

struct DetrConfig {
  ResNetConfig backbone;
  int d_model = 256;
  int encoder_layers = 6;
  int decoder_layers = 6;
  int encoder_attention_heads = 8;
  int decoder_attention_heads = 8;
  int encoder_ffn_dim = 2048;
  int decoder_ffn_dim = 2048;
  int num_queries = 100;
  float layer_norm_eps = 1e-5f;  // torch.nn.LayerNorm's default; DetrConfig has no key for it
  // Class id -> name (the checkpoint's id2label). The classifier has size() + 1 outputs, the last
  // being "no object". The backbone's own id2label is ignored.
  std::map<int, std::string> id2label;
  int num_labels() const { return static_cast<int>(id2label.size()); }
};

// Parses config.json. Unsupported variants are InvalidArgument naming the key: a timm backbone,
// learned position embeddings, basic (non-bottleneck) ResNet blocks, dilation, an activation other
// than ReLU, a backbone output other than the last stage. Corrupt on wrong types or sizes (d_model
// must divide by the head counts and be even, for the sine embedding).
Result<DetrConfig> ParseDetrConfig(std::string_view json_text);
Result<DetrConfig> LoadDetrConfig(const std::string& path);

}  // namespace qimg::nn
