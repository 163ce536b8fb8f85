#include "nn/clip_config.h"

#include <nlohmann/json.hpp>

#include "base/fs.h"

namespace qimg::nn {

using Json = nlohmann::json;

Status ReadConfigInt(const Json& obj, const char* key, int* out, int min_value) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_number_integer())
    return Status::Corrupt(std::string("'") + key + "' is not an integer");
  int64_t v = it->get<int64_t>();
  // Far above any real model, low enough that products of sizes cannot overflow.
  if (v < min_value || v > (int64_t{1} << 24)) {
    return Status::Corrupt(std::string("'") + key + "' out of range: " + std::to_string(v));
  }
  *out = static_cast<int>(v);
  return Status::Ok();
}

Status ReadTransformerConfig(const Json& obj, TransformerConfig* c) {
  QIMG_RETURN_IF_ERROR(ReadConfigInt(obj, "hidden_size", &c->hidden_size));
  QIMG_RETURN_IF_ERROR(ReadConfigInt(obj, "intermediate_size", &c->intermediate_size));
  QIMG_RETURN_IF_ERROR(ReadConfigInt(obj, "num_hidden_layers", &c->num_layers));
  QIMG_RETURN_IF_ERROR(ReadConfigInt(obj, "num_attention_heads", &c->num_heads));
  if (auto it = obj.find("hidden_act"); it != obj.end() && !it->is_null()) {
    if (!it->is_string()) return Status::Corrupt("'hidden_act' is not a string");
    QIMG_ASSIGN_OR_RETURN(c->act, ParseActivation(it->get<std::string>()));
  }
  if (auto it = obj.find("layer_norm_eps"); it != obj.end() && !it->is_null()) {
    if (!it->is_number() || it->get<double>() <= 0) return Status::Corrupt("bad 'layer_norm_eps'");
    c->layer_norm_eps = static_cast<float>(it->get<double>());
  }
  if (c->hidden_size % c->num_heads != 0) {
    return Status::Corrupt("hidden_size " + std::to_string(c->hidden_size) +
                           " is not divisible by num_attention_heads " +
                           std::to_string(c->num_heads));
  }
  return Status::Ok();
}

namespace {

Status GetInt(const Json& obj, const char* key, int* out, int min_value = 1) {
  return ReadConfigInt(obj, key, out, min_value);
}

Status ParseInto(const Json& root, ClipConfig* c) {
  if (!root.is_object()) return Status::Corrupt("not a JSON object");
  // transformers' defaults (CLIPTextConfig / CLIPVisionConfig), applied before reading the file.
  c->text.hidden_size = 512;
  c->text.intermediate_size = 2048;
  c->text.num_layers = 12;
  c->text.num_heads = 8;
  c->vision.hidden_size = 768;
  c->vision.intermediate_size = 3072;
  c->vision.num_layers = 12;
  c->vision.num_heads = 12;
  QIMG_RETURN_IF_ERROR(GetInt(root, "projection_dim", &c->projection_dim));
  // Old exports carry the sub-configs under *_config_dict; newer ones under *_config.
  const Json* text = nullptr;
  const Json* vision = nullptr;
  for (const char* key : {"text_config", "text_config_dict"}) {
    if (auto it = root.find(key); it != root.end() && it->is_object() && !text) text = &*it;
  }
  for (const char* key : {"vision_config", "vision_config_dict"}) {
    if (auto it = root.find(key); it != root.end() && it->is_object() && !vision) vision = &*it;
  }
  if (!text || !vision) return Status::Corrupt("missing text_config or vision_config");
  QIMG_RETURN_IF_ERROR(ReadTransformerConfig(*text, &c->text).WithContext("text_config"));
  QIMG_RETURN_IF_ERROR(GetInt(*text, "vocab_size", &c->text.vocab_size));
  QIMG_RETURN_IF_ERROR(GetInt(*text, "max_position_embeddings", &c->text.max_position_embeddings));
  QIMG_RETURN_IF_ERROR(GetInt(*text, "bos_token_id", &c->text.bos_token_id, 0));
  QIMG_RETURN_IF_ERROR(GetInt(*text, "eos_token_id", &c->text.eos_token_id, 0));
  QIMG_RETURN_IF_ERROR(GetInt(*text, "pad_token_id", &c->text.pad_token_id, 0));
  QIMG_RETURN_IF_ERROR(ReadTransformerConfig(*vision, &c->vision).WithContext("vision_config"));
  QIMG_RETURN_IF_ERROR(GetInt(*vision, "image_size", &c->vision.image_size));
  QIMG_RETURN_IF_ERROR(GetInt(*vision, "patch_size", &c->vision.patch_size));
  QIMG_RETURN_IF_ERROR(GetInt(*vision, "num_channels", &c->vision.num_channels));
  if (c->vision.image_size > 8192) return Status::Corrupt("vision_config: image_size above 8192");
  if (c->vision.image_size % c->vision.patch_size != 0) {
    return Status::Corrupt("vision_config: image_size is not a multiple of patch_size");
  }
  return Status::Ok();
}

}  // namespace

Result<Activation> ParseActivation(std::string_view name) {
  if (name == "quick_gelu") return Activation::kQuickGelu;
  if (name == "gelu") return Activation::kGelu;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") {
    return Activation::kGeluTanh;
  }
  return Status::InvalidArgument("unsupported hidden_act '" + std::string(name) + "'");
}

Result<ClipConfig> ParseClipConfig(std::string_view json_text) {
  Json root = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Status::Corrupt("config.json is not valid JSON");
  ClipConfig c;
  try {
    QIMG_RETURN_IF_ERROR(ParseInto(root, &c).WithContext("config.json"));
  } catch (const Json::exception& e) {
    return Status::Corrupt(std::string("config.json: ") + e.what());
  }
  return c;
}

Result<ClipConfig> LoadClipConfig(const std::string& path) {
  QIMG_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, 16 << 20));
  auto c = ParseClipConfig(text);
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

}  // namespace qimg::nn
