#include "nn/text_tokenizer.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/text.h"

namespace qimg::nn {

// Defined in wordpiece_tokenizer.cc / sentencepiece_tokenizer.cc.
Result<std::unique_ptr<TextTokenizer>> LoadWordPieceTokenizer(const std::string& dir,
                                                              int max_length);
Result<std::unique_ptr<TextTokenizer>> LoadSentencePieceTokenizer(const std::string& dir,
                                                                  int max_length);

Result<std::unique_ptr<TextTokenizer>> TextTokenizer::LoadFromDir(const std::string& dir,
                                                                  BertFamily family,
                                                                  int max_length) {
  if (max_length < 2) return Status::InvalidArgument("tokenizer max_length must be at least 2");
  return family == BertFamily::kBert ? LoadWordPieceTokenizer(dir, max_length)
                                     : LoadSentencePieceTokenizer(dir, max_length);
}

int TextTokenizer::ModelMaxLengthFromDir(const std::string& dir) {
  auto text = ReadFileToString(JoinPath(dir, "tokenizer_config.json"), 16 << 20);
  if (!text.ok()) return 0;
  auto j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return 0;
  auto it = j.find("model_max_length");
  // transformers writes 1e30 ("no limit") for some models.
  if (it == j.end() || !it->is_number()) return 0;
  double v = it->get<double>();
  return v >= 1 && v <= 1e6 ? static_cast<int>(v) : 0;
}

std::vector<int32_t> TextTokenizer::EncodeContent(std::string_view raw) const {
  const std::string text = SanitizeUtf8(raw);
  std::vector<int32_t> out;
  size_t plain_start = 0;
  size_t i = 0;
  while (i < text.size()) {
    const Special* hit = nullptr;
    for (const Special& s : specials_) {  // sorted longest first
      if (text.compare(i, s.literal.size(), s.literal) == 0) {
        hit = &s;
        break;
      }
    }
    if (!hit) {
      ++i;
      continue;
    }
    size_t plain_end = i;
    if (hit->lstrip) {
      while (plain_end > plain_start &&
             (text[plain_end - 1] == ' ' || text[plain_end - 1] == '\t' ||
              text[plain_end - 1] == '\n' || text[plain_end - 1] == '\r')) {
        --plain_end;
      }
    }
    if (plain_end > plain_start) {
      EncodePlain(std::string_view(text).substr(plain_start, plain_end - plain_start), &out);
    }
    out.push_back(hit->id);
    i += hit->literal.size();
    plain_start = i;
  }
  if (plain_start < text.size()) EncodePlain(std::string_view(text).substr(plain_start), &out);
  return out;
}

EncodedText TextTokenizer::Encode(std::string_view text) const {
  std::vector<int32_t> content = EncodeContent(text);
  EncodedText e;
  e.num_ids_untruncated = static_cast<int>(content.size()) + 2;
  const size_t keep = std::min(content.size(), static_cast<size_t>(max_length_ - 2));
  e.truncated = keep < content.size();
  e.ids.reserve(keep + 2);
  e.ids.push_back(cls_id_);
  e.ids.insert(e.ids.end(), content.begin(), content.begin() + static_cast<long>(keep));
  e.ids.push_back(sep_id_);
  return e;
}

EncodedText TextTokenizer::EncodePair(std::string_view a, std::string_view b,
                                      std::vector<int32_t>* type_ids) const {
  std::vector<int32_t> ia = EncodeContent(a);
  std::vector<int32_t> ib = EncodeContent(b);
  const bool xlmr = family_ == BertFamily::kXlmRoberta;
  const size_t markers = xlmr ? 4 : 3;
  EncodedText e;
  e.num_ids_untruncated = static_cast<int>(ia.size() + ib.size() + markers);
  const size_t budget =
      static_cast<size_t>(max_length_) > markers ? static_cast<size_t>(max_length_) - markers : 0;
  while (ia.size() + ib.size() > budget) {
    e.truncated = true;
    if (ia.size() > ib.size()) {
      ia.pop_back();
    } else {
      ib.pop_back();
    }
  }
  e.ids.push_back(cls_id_);
  e.ids.insert(e.ids.end(), ia.begin(), ia.end());
  e.ids.push_back(sep_id_);
  if (xlmr) e.ids.push_back(sep_id_);
  const size_t second = e.ids.size();
  e.ids.insert(e.ids.end(), ib.begin(), ib.end());
  e.ids.push_back(sep_id_);
  if (type_ids) {
    type_ids->assign(e.ids.size(), 0);
    if (!xlmr) std::fill(type_ids->begin() + static_cast<long>(second), type_ids->end(), 1);
  }
  return e;
}

}  // namespace qimg::nn
