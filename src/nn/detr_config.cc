#include "nn/detr_config.h"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "base/fs.h"

namespace qimg::nn {
namespace {

using Json = nlohmann::json;

Status Int(const Json& obj, const char* key, int* out, int min_value = 1) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_number_integer())
    return Status::Corrupt(std::string("'") + key + "' is not an integer");
  const int64_t v = it->get<int64_t>();
  if (v < min_value || v > (int64_t{1} << 24)) {
    return Status::Corrupt(std::string("'") + key + "' out of range: " + std::to_string(v));
  }
  *out = static_cast<int>(v);
  return Status::Ok();
}

Status Bool(const Json& obj, const char* key, bool* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_boolean()) return Status::Corrupt(std::string("'") + key + "' is not a boolean");
  *out = it->get<bool>();
  return Status::Ok();
}

Status IntList(const Json& obj, const char* key, std::vector<int>* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_array() || it->empty())
    return Status::Corrupt(std::string("'") + key + "' is not a list");
  std::vector<int> v;
  for (const auto& e : *it) {
    if (!e.is_number_integer() || e.get<int64_t>() < 1 || e.get<int64_t>() > (1 << 20)) {
      return Status::Corrupt(std::string("'") + key + "' holds a bad value");
    }
    v.push_back(e.get<int>());
  }
  *out = std::move(v);
  return Status::Ok();
}

// A string-valued key that must equal `want` when present.
Status Expect(const Json& obj, const char* key, const char* want, const char* what) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_string() || it->get<std::string>() != want) {
    return Status::InvalidArgument(std::string("unsupported ") + what + " '" +
                                   (it->is_string() ? it->get<std::string>() : it->dump()) +
                                   "' (key '" + key + "'; only '" + want + "' is implemented)");
  }
  return Status::Ok();
}

Status ParseBackbone(const Json& b, ResNetConfig* c) {
  if (!b.is_object()) return Status::Corrupt("'backbone_config' is not an object");
  QIMG_RETURN_IF_ERROR(Expect(b, "model_type", "resnet", "backbone"));
  QIMG_RETURN_IF_ERROR(Expect(b, "layer_type", "bottleneck", "ResNet block type"));
  QIMG_RETURN_IF_ERROR(Expect(b, "hidden_act", "relu", "backbone activation"));
  QIMG_RETURN_IF_ERROR(Int(b, "num_channels", &c->num_channels));
  QIMG_RETURN_IF_ERROR(Int(b, "embedding_size", &c->embedding_size));
  QIMG_RETURN_IF_ERROR(IntList(b, "hidden_sizes", &c->hidden_sizes));
  QIMG_RETURN_IF_ERROR(IntList(b, "depths", &c->depths));
  QIMG_RETURN_IF_ERROR(Bool(b, "downsample_in_first_stage", &c->downsample_in_first_stage));
  QIMG_RETURN_IF_ERROR(Bool(b, "downsample_in_bottleneck", &c->downsample_in_bottleneck));
  if (c->hidden_sizes.size() != c->depths.size()) {
    return Status::Corrupt("backbone 'hidden_sizes' and 'depths' differ in length");
  }
  for (int h : c->hidden_sizes) {
    if (h % 4 != 0) return Status::Corrupt("backbone 'hidden_sizes' must be multiples of 4");
  }
  // DETR reads only the last stage.
  if (auto it = b.find("out_features"); it != b.end() && !it->is_null()) {
    const std::string last = "stage" + std::to_string(c->depths.size());
    if (!it->is_array() || it->size() != 1 || !(*it)[0].is_string() ||
        (*it)[0].get<std::string>() != last) {
      return Status::InvalidArgument("unsupported backbone 'out_features' " + it->dump() +
                                     " (only [\"" + last + "\"] is implemented)");
    }
  }
  return Status::Ok();
}

Status ParseInto(const Json& root, DetrConfig* c) {
  if (!root.is_object()) return Status::Corrupt("not a JSON object");
  QIMG_RETURN_IF_ERROR(Expect(root, "model_type", "detr", "model type"));
  if (auto it = root.find("use_timm_backbone");
      it == root.end() || !it->is_boolean() || it->get<bool>()) {
    return Status::InvalidArgument(
        "unsupported DETR checkpoint: 'use_timm_backbone' must be false (use the no_timm "
        "revision, whose backbone is in transformers' own ResNet layout)");
  }
  if (auto it = root.find("dilation");
      it != root.end() && !it->is_null() && !(it->is_boolean() && !it->get<bool>())) {
    return Status::InvalidArgument(
        "unsupported DETR 'dilation' (qimg supports the non-dilated ResNet backbones that DETR checkpoints ship)");
  }
  QIMG_RETURN_IF_ERROR(Expect(root, "position_embedding_type", "sine", "position embedding type"));
  QIMG_RETURN_IF_ERROR(Expect(root, "activation_function", "relu", "activation"));
  if (auto it = root.find("backbone_config"); it != root.end() && !it->is_null()) {
    QIMG_RETURN_IF_ERROR(ParseBackbone(*it, &c->backbone));
  }
  QIMG_RETURN_IF_ERROR(Int(root, "d_model", &c->d_model));
  QIMG_RETURN_IF_ERROR(Int(root, "encoder_layers", &c->encoder_layers, 0));
  QIMG_RETURN_IF_ERROR(Int(root, "decoder_layers", &c->decoder_layers));
  QIMG_RETURN_IF_ERROR(Int(root, "encoder_attention_heads", &c->encoder_attention_heads));
  QIMG_RETURN_IF_ERROR(Int(root, "decoder_attention_heads", &c->decoder_attention_heads));
  QIMG_RETURN_IF_ERROR(Int(root, "encoder_ffn_dim", &c->encoder_ffn_dim));
  QIMG_RETURN_IF_ERROR(Int(root, "decoder_ffn_dim", &c->decoder_ffn_dim));
  QIMG_RETURN_IF_ERROR(Int(root, "num_queries", &c->num_queries));
  if (c->d_model % 2 != 0 || c->d_model % c->encoder_attention_heads != 0 ||
      c->d_model % c->decoder_attention_heads != 0) {
    return Status::Corrupt("'d_model' " + std::to_string(c->d_model) +
                           " must be even and divisible by the attention head counts");
  }
  auto labels = root.find("id2label");
  if (labels == root.end() || !labels->is_object() || labels->empty()) {
    return Status::Corrupt("'id2label' is missing or empty (the detector's class names)");
  }
  for (const auto& [key, value] : labels->items()) {
    char* end = nullptr;
    const long id = std::strtol(key.c_str(), &end, 10);
    if (key.empty() || *end != '\0' || id < 0 || id > (1 << 20) || !value.is_string()) {
      return Status::Corrupt("'id2label' entry '" + key + "' is not an id with a name");
    }
    c->id2label[static_cast<int>(id)] = value.get<std::string>();
  }
  // The classifier's output index is the class id: ids must be 0..n-1.
  if (c->id2label.rbegin()->first != c->num_labels() - 1) {
    return Status::Corrupt("'id2label' ids are not 0.." + std::to_string(c->num_labels() - 1));
  }
  return Status::Ok();
}

}  // namespace

Result<DetrConfig> ParseDetrConfig(std::string_view json_text) {
  Json root = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Status::Corrupt("config.json is not valid JSON");
  DetrConfig c;
  QIMG_RETURN_IF_ERROR(ParseInto(root, &c));
  return c;
}

Result<DetrConfig> LoadDetrConfig(const std::string& path) {
  QIMG_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  auto c = ParseDetrConfig(text);
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

}  // namespace qimg::nn
