#include "app/text_encoder.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

#include "app/model_locator.h"
#include "base/fs.h"
#include "base/text.h"
#include "nn/cross_encoder.h"
#include "nn/text_embedder.h"

namespace qimg {
namespace {

constexpr char kBgeInstruction[] = "Represent this sentence for searching relevant passages: ";

bool StartsWithNoCase(const std::string& s, const std::string& prefix) {
  return ToLowerAscii(s.substr(0, prefix.size())) == ToLowerAscii(prefix);
}

class NnTextEncoder : public TextEncoder {
 public:
  NnTextEncoder(std::shared_ptr<const nn::TextEmbedder> embedder, const std::string& setting)
      : embedder_(std::move(embedder)), name_(ToLowerAscii(setting)) {
    model_id_ = setting + ":d" + std::to_string(embedder_->dim());
  }
  const std::string& model_id() const override { return model_id_; }
  int dim() const override { return embedder_->dim(); }
  Result<std::vector<std::vector<float>>> EncodeDocuments(
      const std::vector<std::string>& texts) const override {
    return Encode(texts, /*query=*/false);
  }
  Result<std::vector<std::vector<float>>> EncodeQueries(
      const std::vector<std::string>& texts) const override {
    return Encode(texts, /*query=*/true);
  }

 private:
  // SPEC §8.2's prefix rules.
  std::string Prefix(const std::string& text, bool query) const {
    if (name_.find("e5") != std::string::npos) {
      const std::string p = query ? "query: " : "passage: ";
      return StartsWithNoCase(text, p) ? "" : p;
    }
    if (query && name_.find("bge") != std::string::npos && name_.find("m3") == std::string::npos) {
      return StartsWithNoCase(text, kBgeInstruction) ? "" : kBgeInstruction;
    }
    return "";
  }

  Result<std::vector<std::vector<float>>> Encode(const std::vector<std::string>& texts,
                                                 bool query) const {
    const nn::TextTokenizer& tok = embedder_->tokenizer();
    const int dim = embedder_->dim();
    std::vector<std::vector<int32_t>> rows;  // every window of every text
    std::vector<size_t> owner;               // text index of each row
    for (size_t t = 0; t < texts.size(); ++t) {
      const std::string text = Trim(texts[t]);
      if (text.empty()) continue;
      std::vector<int32_t> prefix = tok.EncodeContent(Prefix(text, query));
      std::vector<int32_t> content = tok.EncodeContent(text);
      const size_t window =
          static_cast<size_t>(std::max(1, tok.max_length() - 2 - static_cast<int>(prefix.size())));
      for (size_t start = 0; start == 0 || start < content.size(); start += window) {
        std::vector<int32_t> row = {static_cast<int32_t>(tok.cls_id())};
        row.insert(row.end(), prefix.begin(), prefix.end());
        const size_t end = std::min(content.size(), start + window);
        row.insert(row.end(), content.begin() + static_cast<long>(start),
                   content.begin() + static_cast<long>(end));
        row.push_back(tok.sep_id());
        rows.push_back(std::move(row));
        owner.push_back(t);
        if (end >= content.size()) break;
      }
    }
    std::vector<std::vector<float>> out(texts.size(),
                                        std::vector<float>(static_cast<size_t>(dim), 0.0f));
    if (rows.empty()) return out;
    QIMG_ASSIGN_OR_RETURN(nn::Embeddings emb, embedder_->EncodeIds(rows));
    std::vector<std::vector<double>> sum(texts.size());
    for (int r = 0; r < emb.rows; ++r) {
      const float* v = emb.row(r);
      double sq = 0;
      for (int i = 0; i < dim; ++i) sq += static_cast<double>(v[i]) * v[i];
      const double inv = 1.0 / std::max(std::sqrt(sq), 1e-12);
      auto& s = sum[owner[static_cast<size_t>(r)]];
      if (s.empty()) s.assign(static_cast<size_t>(dim), 0.0);
      for (int i = 0; i < dim; ++i) s[static_cast<size_t>(i)] += v[i] * inv;
    }
    for (size_t t = 0; t < texts.size(); ++t) {
      if (sum[t].empty()) continue;
      double sq = 0;
      for (double x : sum[t]) sq += x * x;
      const double inv = 1.0 / std::max(std::sqrt(sq), 1e-12);
      for (int i = 0; i < dim; ++i)
        out[t][static_cast<size_t>(i)] = static_cast<float>(sum[t][static_cast<size_t>(i)] * inv);
    }
    return out;
  }

  std::shared_ptr<const nn::TextEmbedder> embedder_;
  std::string name_;
  std::string model_id_;
};

// Models stay loaded for the process (the MCP server and web UI query many times), keyed by
// folder and the weights' size and mtime so a replaced model is reloaded.
std::string CacheKey(const std::string& dir, const std::string& setting) {
  FileStat st = StatPath(JoinPath(dir, "model.safetensors"));
  return dir + "|" + setting + "|" + std::to_string(st.size) + "|" + std::to_string(st.mtime);
}

}  // namespace

Result<std::shared_ptr<const TextEncoder>> LoadTextEncoder(const Config& config) {
  // Where the model would be comes first, so a missing model names its install command.
  const std::string setting = Trim(config.embed.text_model);
  QIMG_ASSIGN_OR_RETURN(std::string dir, LocateModel(config, setting, ModelKind::kText));
  if (!nn::IsBertFamilyFolder(dir)) {
    return Status::Unavailable("text model " + dir +
                               " is not a BERT / XLM-RoBERTa folder (config.json model_type bert, "
                               "roberta or xlm-roberta); the OCR vector channel is skipped");
  }
  static std::mutex mu;
  static auto* cache = new std::map<std::string, std::shared_ptr<const TextEncoder>>();
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = (*cache)[CacheKey(dir, setting)];
  if (!slot) {
    nn::TextEmbedderOptions options;
    options.name_hint = setting;
    auto e = nn::TextEmbedder::Load(dir, options);
    if (!e.ok()) return e.status().WithContext("text model " + dir);
    slot = std::make_shared<NnTextEncoder>(
        std::shared_ptr<const nn::TextEmbedder>(std::move(e).value()), setting);
  }
  return slot;
}

Result<std::shared_ptr<const nn::CrossEncoder>> LoadRerankerModel(const Config& config) {
  const std::string setting = Trim(config.search.reranker_model);
  if (setting.empty()) return Status::InvalidArgument("no search.reranker_model configured");
  QIMG_ASSIGN_OR_RETURN(std::string dir, LocateModel(config, setting, ModelKind::kReranker));
  static std::mutex mu;
  static auto* cache = new std::map<std::string, std::shared_ptr<const nn::CrossEncoder>>();
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = (*cache)[CacheKey(dir, setting)];
  if (!slot) {
    auto c = nn::CrossEncoder::Load(dir);
    if (!c.ok()) return c.status().WithContext("reranker model " + dir);
    slot = std::shared_ptr<const nn::CrossEncoder>(std::move(c).value());
  }
  return slot;
}

}  // namespace qimg
