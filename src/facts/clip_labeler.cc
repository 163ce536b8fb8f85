#include "facts/clip_labeler.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/fs.h"
#include "base/hash.h"
#include "base/text.h"

namespace qimg::facts {
namespace {

constexpr char kCacheMagic[8] = {'Q', 'I', 'M', 'G', 'L', 'B', 'L', '1'};

void NormalizeRow(float* v, int dim) {
  double sq = 0;
  for (int i = 0; i < dim; ++i) sq += static_cast<double>(v[i]) * v[i];
  if (sq <= 0) return;
  const float inv = static_cast<float>(1.0 / std::sqrt(sq));
  for (int i = 0; i < dim; ++i) v[i] *= inv;
}

float Dot(const float* a, const float* b, int dim) {
  float s = 0;
  for (int i = 0; i < dim; ++i) s += a[i] * b[i];
  return s;
}

std::string Article(const std::string& noun) {
  if (noun.empty()) return noun;
  const char c = noun[0];
  const bool vowel = c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
  return (vowel ? "an " : "a ") + noun;
}

std::string Capitalize(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

bool IsThing(const std::string& category) {
  return category == "objects" || category == "animals" || category == "food" ||
         category == "vehicles" || category == "plants" || category == "people";
}

// Cache layout: magic, u32 rows, u32 dim, f32 logit_scale, 64-byte key hash, rows*dim f32 (LE).
std::string EncodeCache(const std::string& key_hash, int rows, int dim, float scale,
                        const std::vector<float>& v) {
  std::string out(kCacheMagic, sizeof(kCacheMagic));
  auto put = [&out](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); };
  const uint32_t r = static_cast<uint32_t>(rows), d = static_cast<uint32_t>(dim);
  put(&r, 4);
  put(&d, 4);
  put(&scale, 4);
  out += key_hash;
  put(v.data(), v.size() * sizeof(float));
  return out;
}

bool DecodeCache(const std::string& bytes, const std::string& key_hash, int rows,
                 float* scale, int* dim, std::vector<float>* v) {
  const size_t head = sizeof(kCacheMagic) + 12 + key_hash.size();
  if (bytes.size() < head || std::memcmp(bytes.data(), kCacheMagic, sizeof(kCacheMagic)) != 0) return false;
  uint32_t r = 0, d = 0;
  std::memcpy(&r, bytes.data() + 8, 4);
  std::memcpy(&d, bytes.data() + 12, 4);
  std::memcpy(scale, bytes.data() + 16, 4);
  if (static_cast<int>(r) != rows || d == 0 || d > 65536) return false;
  if (bytes.compare(20, key_hash.size(), key_hash) != 0) return false;
  const size_t n = static_cast<size_t>(r) * d;
  if (bytes.size() != head + n * sizeof(float)) return false;
  v->resize(n);
  std::memcpy(v->data(), bytes.data() + head, n * sizeof(float));
  *dim = static_cast<int>(d);
  return true;
}

}  // namespace

const std::vector<std::string>& PromptTemplates() {
  static const std::vector<std::string> t = {
      "a photo of a {}.", "a close-up photo of the {}.", "a photo of the {}.",
      "a good photo of a {}.", "an image showing {}."};
  return t;
}

std::string ModelKey(const std::string& model_dir) {
  FileStat st = StatPath(JoinPath(model_dir, "model.safetensors"));
  char buf[64];
  std::snprintf(buf, sizeof(buf), "|%lld|%.6f", static_cast<long long>(st.size), st.mtime);
  return AbsolutePath(model_dir) + buf;
}

Result<std::unique_ptr<ClipLabeler>> ClipLabeler::Create(const nn::ImageTextModel* pipeline,
                                                         const std::string& model_key,
                                                         const LabelerOptions& options) {
  if (!pipeline) return Status::InvalidArgument("labeler needs a CLIP pipeline");
  std::unique_ptr<ClipLabeler> l(new ClipLabeler);
  l->pipeline_ = pipeline;
  l->options_ = options;
  l->logit_scale_ = pipeline->logit_scale();
  const auto& vocab = Vocabulary();
  const int rows = static_cast<int>(vocab.size());
  const std::string key_hash =
      Sha256Hex(model_key + "\n" + VocabularyHash() + "\n" + Join(PromptTemplates(), "\n"));
  if (!options.cache_dir.empty()) {
    l->cache_path_ = JoinPath(options.cache_dir, "labels-" + key_hash.substr(0, 24) + ".bin");
    if (StatPath(l->cache_path_).is_regular) {
      auto bytes = ReadFileToString(l->cache_path_);
      float scale = 0;
      if (bytes.ok() && DecodeCache(*bytes, key_hash, rows, &scale, &l->dim_, &l->labels_)) {
        l->loaded_from_cache_ = true;
        return l;
      }
    }
  }
  // Encode every prompt of every concept, then average per concept.
  const auto& templates = PromptTemplates();
  std::vector<std::string> prompts;
  prompts.reserve(vocab.size() * templates.size());
  for (const Concept& c : vocab)
    for (const std::string& t : templates) prompts.push_back(ReplaceAll(t, "{}", c.label));
  QIMG_ASSIGN_OR_RETURN(nn::Embeddings e, pipeline->EncodeTexts(prompts, 64));
  if (e.rows != static_cast<int>(prompts.size()) || e.dim <= 0)
    return Status::Internal("text encoder returned an unexpected shape");
  l->dim_ = e.dim;
  l->labels_.assign(static_cast<size_t>(rows) * e.dim, 0.0f);
  const int per = static_cast<int>(templates.size());
  for (int r = 0; r < rows; ++r) {
    float* dst = l->labels_.data() + static_cast<size_t>(r) * e.dim;
    for (int k = 0; k < per; ++k) {
      std::vector<float> row(e.row(r * per + k), e.row(r * per + k) + e.dim);
      NormalizeRow(row.data(), e.dim);
      for (int i = 0; i < e.dim; ++i) dst[i] += row[static_cast<size_t>(i)];
    }
    NormalizeRow(dst, e.dim);
  }
  if (!l->cache_path_.empty()) {
    // Best effort: a read-only cache dir only costs the next run the encoding time again.
    if (MakeDirs(options.cache_dir).ok()) {
      (void)WriteFileAtomic(l->cache_path_, EncodeCache(key_hash, rows, l->dim_, l->logit_scale_, l->labels_));
    }
  }
  return l;
}

std::vector<RankedLabel> ClipLabeler::Rank(const float* image) const {
  const int rows = static_cast<int>(labels_.size() / static_cast<size_t>(std::max(dim_, 1)));
  std::vector<RankedLabel> out(static_cast<size_t>(rows));
  double max_logit = -1e30;
  std::vector<double> logits(static_cast<size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    logits[r] = static_cast<double>(logit_scale_) * Dot(image, labels_.data() + static_cast<size_t>(r) * dim_, dim_);
    max_logit = std::max(max_logit, logits[r]);
  }
  double sum = 0;
  for (int r = 0; r < rows; ++r) sum += std::exp(logits[r] - max_logit);
  for (int r = 0; r < rows; ++r) out[r] = {r, std::exp(logits[r] - max_logit) / sum};
  std::stable_sort(out.begin(), out.end(),
                   [](const RankedLabel& a, const RankedLabel& b) { return a.probability > b.probability; });
  return out;
}

std::vector<ExtractedFact> ClipLabeler::Tags(const std::vector<RankedLabel>& ranked) const {
  std::vector<ExtractedFact> out;
  const auto& vocab = Vocabulary();
  for (const RankedLabel& r : ranked) {
    if (static_cast<int>(out.size()) >= options_.top_k || r.probability < options_.threshold) break;
    ExtractedFact f;
    f.fact_type = "tag";
    f.key = vocab[static_cast<size_t>(r.index)].label;
    f.value_text = f.key;
    f.confidence = std::round(r.probability * 1e6) / 1e6;
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<std::string> ClipLabeler::CaptionCandidates(const std::vector<RankedLabel>& ranked) const {
  const auto& vocab = Vocabulary();
  std::vector<std::string> things, scenes, other;
  for (const RankedLabel& r : ranked) {
    const Concept& c = vocab[static_cast<size_t>(r.index)];
    if (IsThing(c.category)) {
      if (things.size() < 3) things.push_back(c.label);
    } else if (c.category == "scenes") {
      if (scenes.size() < 2) scenes.push_back(c.label);
    } else if (other.size() < 1) {
      other.push_back(c.label);
    }
    if (things.size() >= 3 && scenes.size() >= 2 && !other.empty()) break;
  }
  std::vector<std::string> out;
  auto add = [&out](std::string s) {
    s = Capitalize(s) + ".";
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  };
  for (const std::string& t : things) add(Article(t));
  if (things.size() >= 2) add(Article(things[0]) + " and " + Article(things[1]));
  for (const std::string& s : scenes) {
    add(Article(s));
    if (!things.empty()) add(Article(things[0]) + " in " + Article(s));
    if (things.size() >= 2) add(Article(things[0]) + " and " + Article(things[1]) + " in " + Article(s));
  }
  for (const std::string& o : other) add("A photo of " + o);
  if (out.empty()) add("a photo");
  return out;
}

Result<std::vector<ExtractedFact>> ClipLabeler::Captions(
    const nn::Embeddings& images, const std::vector<std::vector<RankedLabel>>& rankings) const {
  std::vector<std::vector<std::string>> cands;
  std::vector<std::string> all;
  for (const auto& r : rankings) {
    cands.push_back(CaptionCandidates(r));
    all.insert(all.end(), cands.back().begin(), cands.back().end());
  }
  std::vector<ExtractedFact> out;
  if (all.empty()) return out;
  QIMG_ASSIGN_OR_RETURN(nn::Embeddings t, pipeline_->EncodeTexts(all, 64));
  if (t.dim != images.dim) return Status::Internal("caption: text and image embedding sizes differ");
  nn::NormalizeRows(&t);
  int row = 0;
  for (size_t i = 0; i < cands.size(); ++i) {
    const float* img = images.row(static_cast<int>(i));
    std::vector<double> logits;
    for (size_t k = 0; k < cands[i].size(); ++k)
      logits.push_back(static_cast<double>(logit_scale_) * Dot(img, t.row(row + static_cast<int>(k)), t.dim));
    row += static_cast<int>(cands[i].size());
    const size_t best = static_cast<size_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    double sum = 0;
    for (double l : logits) sum += std::exp(l - logits[best]);
    ExtractedFact f;
    f.fact_type = "caption";
    f.value_text = cands[i][best];
    f.confidence = std::round(1e6 / sum) / 1e6;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace qimg::facts
