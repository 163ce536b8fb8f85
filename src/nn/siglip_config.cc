#include "nn/siglip_config.h"

#include <nlohmann/json.hpp>

#include "base/fs.h"

namespace qimg::nn {
namespace {

using Json = nlohmann::json;

void SetSiglipDefaults(TransformerConfig* c) {
  c->hidden_size = 768;
  c->intermediate_size = 3072;
  c->num_layers = 12;
  c->num_heads = 12;
  c->act = Activation::kGeluTanh;
  c->layer_norm_eps = 1e-6f;
}

Status ParseInto(const Json& root, SiglipConfig* c) {
  if (!root.is_object()) return Status::Corrupt("not a JSON object");
  SetSiglipDefaults(&c->text);
  SetSiglipDefaults(&c->vision);
  auto text = root.find("text_config");
  auto vision = root.find("vision_config");
  // transformers builds a default sub-config when one is absent; real checkpoints always carry
  // both, so a missing one more likely means a wrong file.
  if (text == root.end() || !text->is_object() || vision == root.end() || !vision->is_object()) {
    return Status::Corrupt("missing text_config or vision_config");
  }
  SiglipTextConfig& tc = c->text;
  QIMG_RETURN_IF_ERROR(ReadTransformerConfig(*text, &tc).WithContext("text_config"));
  QIMG_RETURN_IF_ERROR(ReadConfigInt(*text, "vocab_size", &tc.vocab_size));
  QIMG_RETURN_IF_ERROR(
      ReadConfigInt(*text, "max_position_embeddings", &tc.max_position_embeddings));
  tc.projection_size = tc.hidden_size;
  QIMG_RETURN_IF_ERROR(ReadConfigInt(*text, "projection_size", &tc.projection_size));
  SiglipVisionConfig& vc = c->vision;
  QIMG_RETURN_IF_ERROR(ReadTransformerConfig(*vision, &vc).WithContext("vision_config"));
  QIMG_RETURN_IF_ERROR(ReadConfigInt(*vision, "image_size", &vc.image_size));
  QIMG_RETURN_IF_ERROR(ReadConfigInt(*vision, "patch_size", &vc.patch_size));
  QIMG_RETURN_IF_ERROR(ReadConfigInt(*vision, "num_channels", &vc.num_channels));
  if (vc.image_size > 8192) return Status::Corrupt("vision_config: image_size above 8192");
  if (vc.image_size % vc.patch_size != 0) {
    return Status::Corrupt("vision_config: image_size is not a multiple of patch_size");
  }
  if (tc.projection_size != c->embedding_dim()) {
    return Status::Corrupt("text head width " + std::to_string(tc.projection_size) +
                           " differs from the image embedding width " +
                           std::to_string(c->embedding_dim()));
  }
  return Status::Ok();
}

}  // namespace

Result<SiglipConfig> ParseSiglipConfig(std::string_view json_text) {
  Json root = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Status::Corrupt("config.json is not valid JSON");
  SiglipConfig c;
  try {
    QIMG_RETURN_IF_ERROR(ParseInto(root, &c).WithContext("config.json"));
  } catch (const Json::exception& e) {
    return Status::Corrupt(std::string("config.json: ") + e.what());
  }
  return c;
}

Result<SiglipConfig> LoadSiglipConfig(const std::string& path) {
  QIMG_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, 16 << 20));
  auto c = ParseSiglipConfig(text);
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

}  // namespace qimg::nn
