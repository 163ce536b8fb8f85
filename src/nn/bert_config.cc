#include "nn/bert_config.h"

#include <nlohmann/json.hpp>

#include "base/fs.h"

namespace qimg::nn {
namespace {

using Json = nlohmann::json;

// Reads an optional integer in [min_value, 2^24]; keeps *out when absent or null.
Status GetInt(const Json& obj, const char* key, int* out, int min_value = 1) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_number_integer()) {
    return Status::Corrupt(std::string("'") + key + "' is not an integer");
  }
  int64_t v = it->get<int64_t>();
  if (v < min_value || v > (int64_t{1} << 24)) {
    return Status::Corrupt(std::string("'") + key + "' out of range: " + std::to_string(v));
  }
  *out = static_cast<int>(v);
  return Status::Ok();
}

Status ParseInto(const Json& root, BertConfig* c) {
  if (!root.is_object()) return Status::Corrupt("not a JSON object");
  // transformers' BertConfig defaults (bert-base).
  c->hidden_size = 768;
  c->intermediate_size = 3072;
  c->num_layers = 12;
  c->num_heads = 12;
  c->act = Activation::kGelu;
  c->layer_norm_eps = 1e-12f;
  std::string type;
  if (auto it = root.find("model_type"); it != root.end() && it->is_string()) {
    type = it->get<std::string>();
  }
  if (auto it = root.find("architectures");
      it != root.end() && it->is_array() && !it->empty() && (*it)[0].is_string()) {
    c->architecture = (*it)[0].get<std::string>();
  }
  const std::string& arch = c->architecture;
  if (type.empty()) {  // very old exports: guess from the architecture name
    type = arch.rfind("XLMRoberta", 0) == 0 ? "xlm-roberta"
           : arch.rfind("Roberta", 0) == 0  ? "roberta"
                                            : "bert";
  }
  if (type == "bert") {
    c->family = BertFamily::kBert;
  } else if (type == "xlm-roberta" || type == "roberta") {
    c->family = BertFamily::kXlmRoberta;
    c->pad_token_id = 1;
    c->layer_norm_eps = 1e-5f;
  } else {
    return Status::InvalidArgument("model_type '" + type +
                                   "' is not a BERT or XLM-RoBERTa text encoder");
  }
  if (arch.find("ForSequenceClassification") != std::string::npos) {
    c->head = BertHead::kSequenceClassification;
  } else if (!arch.empty() && arch != "BertModel" && arch != "XLMRobertaModel" &&
             arch != "RobertaModel" && arch.find("ForMaskedLM") == std::string::npos &&
             arch.find("ForPreTraining") == std::string::npos) {
    return Status::InvalidArgument("architecture '" + arch +
                                   "' is not supported (BertModel, XLMRobertaModel or "
                                   "*ForSequenceClassification)");
  }
  QIMG_RETURN_IF_ERROR(GetInt(root, "hidden_size", &c->hidden_size));
  QIMG_RETURN_IF_ERROR(GetInt(root, "intermediate_size", &c->intermediate_size));
  QIMG_RETURN_IF_ERROR(GetInt(root, "num_hidden_layers", &c->num_layers));
  QIMG_RETURN_IF_ERROR(GetInt(root, "num_attention_heads", &c->num_heads));
  QIMG_RETURN_IF_ERROR(GetInt(root, "vocab_size", &c->vocab_size));
  QIMG_RETURN_IF_ERROR(GetInt(root, "max_position_embeddings", &c->max_position_embeddings));
  QIMG_RETURN_IF_ERROR(GetInt(root, "type_vocab_size", &c->type_vocab_size));
  QIMG_RETURN_IF_ERROR(GetInt(root, "pad_token_id", &c->pad_token_id, 0));
  if (auto it = root.find("id2label"); it != root.end() && it->is_object() && !it->empty()) {
    c->num_labels = static_cast<int>(it->size());
  }
  QIMG_RETURN_IF_ERROR(GetInt(root, "num_labels", &c->num_labels));
  if (auto it = root.find("hidden_act"); it != root.end() && !it->is_null()) {
    if (!it->is_string()) return Status::Corrupt("'hidden_act' is not a string");
    QIMG_ASSIGN_OR_RETURN(c->act, ParseActivation(it->get<std::string>()));
  }
  if (auto it = root.find("layer_norm_eps"); it != root.end() && !it->is_null()) {
    if (!it->is_number() || it->get<double>() <= 0) return Status::Corrupt("bad 'layer_norm_eps'");
    c->layer_norm_eps = static_cast<float>(it->get<double>());
  }
  if (auto it = root.find("position_embedding_type"); it != root.end() && it->is_string()) {
    if (it->get<std::string>() != "absolute") {
      return Status::InvalidArgument("position_embedding_type '" + it->get<std::string>() +
                                     "' is not supported (only absolute)");
    }
  }
  if (c->hidden_size % c->num_heads != 0) {
    return Status::Corrupt("hidden_size " + std::to_string(c->hidden_size) +
                           " is not divisible by num_attention_heads " +
                           std::to_string(c->num_heads));
  }
  if (c->pad_token_id >= c->vocab_size) return Status::Corrupt("pad_token_id outside vocab_size");
  if (c->max_tokens() < 2) return Status::Corrupt("max_position_embeddings too small");
  return Status::Ok();
}

}  // namespace

Result<BertConfig> ParseBertConfig(std::string_view json_text) {
  Json root = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Status::Corrupt("config.json is not valid JSON");
  BertConfig c;
  try {
    QIMG_RETURN_IF_ERROR(ParseInto(root, &c).WithContext("config.json"));
  } catch (const Json::exception& e) {
    return Status::Corrupt(std::string("config.json: ") + e.what());
  }
  return c;
}

Result<BertConfig> LoadBertConfig(const std::string& path) {
  QIMG_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, 16 << 20));
  auto c = ParseBertConfig(text);
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

}  // namespace qimg::nn
