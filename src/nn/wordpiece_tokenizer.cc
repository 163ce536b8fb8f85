// BERT's WordPiece tokenizer (see text_tokenizer.h for the rules), with ICU's Unicode tables.
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "base/fs.h"
#include "base/text.h"
#include "nn/text_tokenizer.h"

namespace qimg::nn {
namespace {

// transformers' max_input_chars_per_word.
constexpr size_t kMaxCharsPerWord = 100;

bool IsCjk(UChar32 c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

bool IsWhitespace(UChar32 c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || u_charType(c) == U_SPACE_SEPARATOR;
}

// Category C* (Cc, Cf, Cs, Co, Cn) other than \t \n \r.
bool IsControl(UChar32 c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  switch (u_charType(c)) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_SURROGATE:
    case U_PRIVATE_USE_CHAR:
    case U_UNASSIGNED:
      return true;
    default:
      return false;
  }
}

bool IsPunctuation(UChar32 c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
      (c >= 123 && c <= 126)) {
    return true;
  }
  const int8_t t = u_charType(c);
  return t == U_DASH_PUNCTUATION || t == U_START_PUNCTUATION || t == U_END_PUNCTUATION ||
         t == U_CONNECTOR_PUNCTUATION || t == U_OTHER_PUNCTUATION || t == U_INITIAL_PUNCTUATION ||
         t == U_FINAL_PUNCTUATION;
}

// Python's str.split() separators that survive cleaning (Zs became ' '): line/paragraph separators.
bool IsSplitSpace(UChar32 c) { return c == ' ' || c == 0x2028 || c == 0x2029; }

std::vector<UChar32> DecodeUtf8(std::string_view s) {
  std::vector<UChar32> out;
  out.reserve(s.size());
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(s.size());
  while (i < n) {
    UChar32 c;
    U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), i, n, c);
    out.push_back(c < 0 ? 0xFFFD : c);
  }
  return out;
}

void AppendUtf8(UChar32 c, std::string* out) {
  char buf[4];
  int32_t n = 0;
  UBool error = false;
  U8_APPEND(buf, n, 4, c, error);
  if (!error) out->append(buf, static_cast<size_t>(n));
}

std::vector<UChar> ToUtf16(const std::vector<UChar32>& cps) {
  std::vector<UChar> u;
  u.reserve(cps.size() + 1);
  for (UChar32 c : cps) {
    if (c > 0xFFFF) {
      u.push_back(U16_LEAD(c));
      u.push_back(U16_TRAIL(c));
    } else {
      u.push_back(static_cast<UChar>(c));
    }
  }
  return u;
}

std::vector<UChar32> FromUtf16(const UChar* u, int32_t n) {
  std::vector<UChar32> out;
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U16_NEXT(u, i, n, c);
    out.push_back(c);
  }
  return out;
}

// Python's word.lower() (full mappings with the final-sigma context, as ICU's root locale does)
// followed by NFD without Mn marks.
std::vector<UChar32> LowerStripAccents(const std::vector<UChar32>& word, bool lower, bool strip) {
  std::vector<UChar> u = ToUtf16(word);
  const int32_t len = static_cast<int32_t>(u.size());
  if (lower) {
    std::vector<UChar> low(static_cast<size_t>(len) * 3 + 8);
    UErrorCode err = U_ZERO_ERROR;
    int32_t n = u_strToLower(low.data(), static_cast<int32_t>(low.size()), u.data(), len, "", &err);
    if (U_SUCCESS(err)) u.assign(low.begin(), low.begin() + n);
  }
  if (strip) {
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2* nfd = unorm2_getNFDInstance(&err);
    std::vector<UChar> d(u.size() * 4 + 8);
    int32_t n = 0;
    if (U_SUCCESS(err)) {
      n = unorm2_normalize(nfd, u.data(), static_cast<int32_t>(u.size()), d.data(),
                           static_cast<int32_t>(d.size()), &err);
    }
    if (U_SUCCESS(err)) {
      std::vector<UChar32> out;
      for (UChar32 c : FromUtf16(d.data(), n)) {
        if (u_charType(c) != U_NON_SPACING_MARK) out.push_back(c);
      }
      return out;
    }
  }
  return FromUtf16(u.data(), static_cast<int32_t>(u.size()));
}

class WordPieceTokenizer : public TextTokenizer {
 public:
  Status Init(const std::string& dir, int max_length) {
    family_ = BertFamily::kBert;
    max_length_ = max_length;
    const std::string vocab_path = JoinPath(dir, "vocab.txt");
    if (!StatPath(vocab_path).exists) {
      return Status::NotFound(dir + ": no vocab.txt (the WordPiece vocabulary)");
    }
    QIMG_ASSIGN_OR_RETURN(std::string text, ReadFileToString(vocab_path, 64 << 20));
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      std::string line = text.substr(pos, nl - pos);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const int32_t id = static_cast<int32_t>(id_to_token_.size());
      vocab_.emplace(line, id);  // the first of duplicate lines wins, like transformers
      id_to_token_.push_back(std::move(line));
      pos = nl + 1;
    }
    if (id_to_token_.empty()) return Status::Corrupt(vocab_path + ": empty vocabulary");

    std::string cls = "[CLS]", sep = "[SEP]", pad = "[PAD]", unk = "[UNK]", mask = "[MASK]";
    auto cfg = ReadFileToString(JoinPath(dir, "tokenizer_config.json"), 16 << 20);
    if (cfg.ok()) {
      auto j = nlohmann::json::parse(*cfg, nullptr, /*allow_exceptions=*/false);
      if (j.is_object()) {
        auto flag = [&](const char* key, bool* out) {
          if (auto it = j.find(key); it != j.end() && it->is_boolean()) *out = it->get<bool>();
        };
        flag("do_lower_case", &lower_);
        flag("tokenize_chinese_chars", &chinese_);
        strip_accents_ = lower_;
        flag("strip_accents", &strip_accents_);  // null: follow do_lower_case
        auto token = [&](const char* key, std::string* out) {
          if (auto it = j.find(key); it != j.end()) {
            if (it->is_string()) *out = it->get<std::string>();
            if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) {
              *out = (*it)["content"].get<std::string>();
            }
          }
        };
        token("cls_token", &cls);
        token("sep_token", &sep);
        token("pad_token", &pad);
        token("unk_token", &unk);
        token("mask_token", &mask);
      }
    }
    auto id_of = [&](const std::string& t, int* out) -> Status {
      auto it = vocab_.find(t);
      if (it == vocab_.end()) return Status::Corrupt(vocab_path + ": no '" + t + "' token");
      *out = it->second;
      return Status::Ok();
    };
    QIMG_RETURN_IF_ERROR(id_of(cls, &cls_id_));
    QIMG_RETURN_IF_ERROR(id_of(sep, &sep_id_));
    QIMG_RETURN_IF_ERROR(id_of(pad, &pad_id_));
    QIMG_RETURN_IF_ERROR(id_of(unk, &unk_id_));
    int mask_id = -1;
    if (!id_of(mask, &mask_id).ok()) mask_id = -1;
    for (const auto& [literal, id] : std::vector<std::pair<std::string, int>>{
             {cls, cls_id_}, {sep, sep_id_}, {pad, pad_id_}, {unk, unk_id_}, {mask, mask_id}}) {
      if (id >= 0) specials_.push_back({literal, id, false});
    }
    std::stable_sort(specials_.begin(), specials_.end(), [](const Special& a, const Special& b) {
      return a.literal.size() > b.literal.size();
    });
    return Status::Ok();
  }

  std::string IdToToken(int32_t id) const override {
    return id >= 0 && static_cast<size_t>(id) < id_to_token_.size()
               ? id_to_token_[static_cast<size_t>(id)]
               : std::string();
  }

 protected:
  void EncodePlain(std::string_view text, std::vector<int32_t>* out) const override {
    // Clean and space out CJK ideographs.
    std::vector<UChar32> cps;
    for (UChar32 c : DecodeUtf8(text)) {
      if (c == 0 || c == 0xFFFD || IsControl(c)) continue;
      if (IsWhitespace(c)) {
        cps.push_back(' ');
      } else if (chinese_ && IsCjk(c)) {
        cps.push_back(' ');
        cps.push_back(c);
        cps.push_back(' ');
      } else {
        cps.push_back(c);
      }
    }
    size_t i = 0;
    while (i < cps.size()) {
      while (i < cps.size() && IsSplitSpace(cps[i])) ++i;
      size_t j = i;
      while (j < cps.size() && !IsSplitSpace(cps[j])) ++j;
      if (j > i) {
        std::vector<UChar32> word(cps.begin() + static_cast<long>(i),
                                  cps.begin() + static_cast<long>(j));
        if (lower_ || strip_accents_) word = LowerStripAccents(word, lower_, strip_accents_);
        // Punctuation characters become words of their own.
        std::vector<UChar32> piece;
        for (UChar32 c : word) {
          if (IsPunctuation(c)) {
            WordPiece(piece, out);
            piece.clear();
            WordPiece({c}, out);
          } else if (IsSplitSpace(c)) {  // lowercasing cannot create spaces, but be safe
            WordPiece(piece, out);
            piece.clear();
          } else {
            piece.push_back(c);
          }
        }
        WordPiece(piece, out);
      }
      i = j;
    }
  }

 private:
  void WordPiece(const std::vector<UChar32>& word, std::vector<int32_t>* out) const {
    if (word.empty()) return;
    if (word.size() > kMaxCharsPerWord) {
      out->push_back(unk_id_);
      return;
    }
    std::vector<size_t> offsets;  // byte offset of every code point, plus the end
    std::string utf8;
    for (UChar32 c : word) {
      offsets.push_back(utf8.size());
      AppendUtf8(c, &utf8);
    }
    offsets.push_back(utf8.size());
    const size_t before = out->size();
    size_t start = 0;
    std::string candidate;
    while (start < word.size()) {
      size_t end = word.size();
      int32_t found = -1;
      while (start < end) {
        candidate.clear();
        if (start > 0) candidate = "##";
        candidate.append(utf8, offsets[start], offsets[end] - offsets[start]);
        auto it = vocab_.find(candidate);
        if (it != vocab_.end()) {
          found = it->second;
          break;
        }
        --end;
      }
      if (found < 0) {
        out->resize(before);
        out->push_back(unk_id_);
        return;
      }
      out->push_back(found);
      start = end;
    }
  }

  std::unordered_map<std::string, int32_t> vocab_;
  std::vector<std::string> id_to_token_;
  bool lower_ = true;
  bool chinese_ = true;
  bool strip_accents_ = true;
};

}  // namespace

Result<std::unique_ptr<TextTokenizer>> LoadWordPieceTokenizer(const std::string& dir,
                                                              int max_length) {
  auto t = std::make_unique<WordPieceTokenizer>();
  QIMG_RETURN_IF_ERROR(t->Init(dir, max_length));
  return std::unique_ptr<TextTokenizer>(std::move(t));
}

}  // namespace qimg::nn
