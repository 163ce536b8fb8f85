#include "nn/text_embedder.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/text.h"

namespace qimg::nn {
namespace {

using Json = nlohmann::json;

constexpr int64_t kTokenBudget = 16384;

Result<Json> ReadJson(const std::string& path) {
  QIMG_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, 16 << 20));
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corrupt(path + ": not valid JSON");
  return j;
}

// The sentence-transformers Pooling module's folder ("" when the model has none).
std::string PoolingModuleDir(const std::string& dir) {
  auto modules = ReadJson(JoinPath(dir, "modules.json"));
  if (modules.ok() && modules->is_array()) {
    for (const Json& m : *modules) {
      if (!m.is_object()) continue;
      auto type = m.find("type");
      auto path = m.find("path");
      if (type != m.end() && type->is_string() && path != m.end() && path->is_string() &&
          EndsWith(type->get<std::string>(), ".Pooling")) {
        // A module folder is a plain name inside the model folder ("1_Pooling"); anything that
        // could leave it (a slash, "..", an absolute path) is ignored rather than followed.
        const std::string p = path->get<std::string>();
        if (p.empty() || p == "." || p == ".." || p.find('/') != std::string::npos ||
            p.find('\\') != std::string::npos) {
          continue;
        }
        return p;
      }
    }
  }
  return StatPath(JoinPath(dir, "1_Pooling/config.json")).exists ? "1_Pooling" : "";
}

}  // namespace

bool IsBertFamilyFolder(const std::string& dir) {
  auto text = ReadFileToString(JoinPath(dir, "config.json"), 16 << 20);
  if (!text.ok()) return false;
  Json j = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return false;
  auto it = j.find("model_type");
  if (it == j.end() || !it->is_string()) return false;
  const std::string type = it->get<std::string>();
  return type == "bert" || type == "roberta" || type == "xlm-roberta";
}

int TextMaxLength(const std::string& dir, const BertConfig& config) {
  int limit = config.max_tokens();
  int tok = TextTokenizer::ModelMaxLengthFromDir(dir);
  if (tok >= 2) limit = std::min(limit, tok);
  return limit;
}

Status ForEachLengthBatch(const std::vector<std::vector<int32_t>>& ids, int batch_size,
                          int64_t token_budget,
                          const std::function<Status(const std::vector<size_t>&)>& run) {
  std::vector<size_t> order(ids.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return ids[a].size() < ids[b].size(); });
  batch_size = std::max(1, batch_size);
  size_t start = 0;
  while (start < order.size()) {
    size_t end = start + 1;
    // Sorted ascending, so the last row of a group is its longest.
    while (end < order.size() && end - start < static_cast<size_t>(batch_size) &&
           static_cast<int64_t>(end - start + 1) * static_cast<int64_t>(ids[order[end]].size()) <=
               token_budget) {
      ++end;
    }
    std::vector<size_t> group(order.begin() + static_cast<long>(start),
                              order.begin() + static_cast<long>(end));
    QIMG_RETURN_IF_ERROR(run(group));
    start = end;
  }
  return Status::Ok();
}

Result<std::unique_ptr<TextEmbedder>> TextEmbedder::Load(const std::string& dir,
                                                         const TextEmbedderOptions& options) {
  std::unique_ptr<TextEmbedder> e(new TextEmbedder());
  BertLoadOptions load;
  load.int8 = options.int8;
  QIMG_ASSIGN_OR_RETURN(e->model_, BertModel::Load(dir, load));
  const BertConfig& config = e->model_->config();
  QIMG_ASSIGN_OR_RETURN(e->tokenizer_,
                        TextTokenizer::LoadFromDir(dir, config.family, TextMaxLength(dir, config)));
  if (options.pooling_set) {
    e->pooling_ = options.pooling;
    e->pooling_source_ = "option";
    return e;
  }
  const std::string module = PoolingModuleDir(dir);
  if (!module.empty()) {
    const std::string path = JoinPath(JoinPath(dir, module), "config.json");
    QIMG_ASSIGN_OR_RETURN(Json pc, ReadJson(path));
    auto flag = [&](const char* key) {
      auto it = pc.find(key);
      return it != pc.end() && it->is_boolean() && it->get<bool>();
    };
    if (flag("pooling_mode_cls_token")) {
      e->pooling_ = Pooling::kCls;
    } else if (flag("pooling_mode_mean_tokens")) {
      e->pooling_ = Pooling::kMean;
    } else {
      return Status::InvalidArgument(path +
                                     ": only CLS and mean pooling are supported (set "
                                     "pooling_mode_cls_token or pooling_mode_mean_tokens, or pass "
                                     "--pooling)");
    }
    e->pooling_source_ = module + "/config.json";
    return e;
  }
  std::string name = options.name_hint.empty() ? dir : options.name_hint;
  while (name.size() > 1 && name.back() == '/') name.pop_back();
  name = ToLowerAscii(name.substr(name.find_last_of('/') + 1));
  e->pooling_ = name.find("bge") != std::string::npos ? Pooling::kCls : Pooling::kMean;
  e->pooling_source_ = "name rule";
  return e;
}

Result<Embeddings> TextEmbedder::EncodeIds(const std::vector<std::vector<int32_t>>& ids,
                                           int batch_size) const {
  Embeddings all;
  all.dim = dim();
  all.rows = static_cast<int>(ids.size());
  all.values.resize(ids.size() * static_cast<size_t>(all.dim));
  QIMG_RETURN_IF_ERROR(ForEachLengthBatch(
      ids, batch_size, kTokenBudget, [&](const std::vector<size_t>& group) -> Status {
        std::vector<std::vector<int32_t>> rows;
        rows.reserve(group.size());
        for (size_t i : group) rows.push_back(ids[i]);
        QIMG_ASSIGN_OR_RETURN(HiddenStates h, model_->Forward(rows));
        Embeddings part = BertModel::Pool(h, pooling_);
        for (size_t k = 0; k < group.size(); ++k) {
          std::copy(
              part.row(static_cast<int>(k)), part.row(static_cast<int>(k)) + all.dim,
              all.values.begin() + static_cast<long>(group[k] * static_cast<size_t>(all.dim)));
        }
        return Status::Ok();
      }));
  return all;
}

Result<Embeddings> TextEmbedder::Encode(const std::vector<std::string>& texts,
                                        int batch_size) const {
  std::vector<std::vector<int32_t>> ids;
  ids.reserve(texts.size());
  for (const std::string& t : texts) ids.push_back(tokenizer_->Encode(t).ids);
  return EncodeIds(ids, batch_size);
}

}  // namespace qimg::nn
