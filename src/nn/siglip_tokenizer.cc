#include "nn/siglip_tokenizer.h"

#include <sentencepiece_processor.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/text.h"

namespace qimg::nn {
namespace {

using Json = nlohmann::json;

constexpr UChar32 kSpieceUnderline = 0x2581;

// Python's str.isspace(), which is what the `\s` of SiglipTokenizer's regex matches.
bool IsPySpace(UChar32 c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

// string.punctuation: the only characters canonicalize_text removes.
bool IsAsciiPunct(UChar32 c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}

void AppendUtf8(UChar32 c, std::string* out) {
  char buf[4];
  int32_t n = 0;
  UBool error = false;
  U8_APPEND(buf, n, 4, c, error);
  if (!error) out->append(buf, static_cast<size_t>(n));
}

std::vector<UChar32> CodePoints(std::string_view text) {
  std::string clean = SanitizeUtf8(text);
  std::vector<UChar32> cps;
  const auto* s = reinterpret_cast<const uint8_t*>(clean.data());
  const int32_t n = static_cast<int32_t>(clean.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    cps.push_back(c < 0 ? 0xFFFD : c);
  }
  return cps;
}

// Python's str.lower() applied to one character: full mappings (U+0130 -> i + U+0307) and no
// context (capital sigma is always U+03C3).
void AppendLower(UChar32 c, std::vector<UChar32>* out) {
  UChar src[2];
  int32_t slen = 0;
  U16_APPEND_UNSAFE(src, slen, c);
  UChar dst[8];
  UErrorCode err = U_ZERO_ERROR;
  int32_t dlen = u_strToLower(dst, 8, src, slen, "", &err);
  if (U_FAILURE(err) || dlen > 8) {
    out->push_back(c);
    return;
  }
  for (int32_t j = 0; j < dlen;) {
    UChar32 l;
    U16_NEXT(dst, j, dlen, l);
    out->push_back(l);
  }
}

// A token given as "text" or {"content": "text", ...}; "" when absent.
std::string TokenString(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) {
    auto c = it->find("content");
    if (c != it->end() && c->is_string()) return c->get<std::string>();
  }
  return "";
}

Json ReadJsonFile(const std::string& path) {
  if (!StatPath(path).exists) return Json::object();
  auto text = ReadFileToString(path, 16 << 20);
  if (!text.ok()) return Json::object();
  Json j = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j : Json::object();
}

bool GetBool(const Json& j, const char* key, bool fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

// Varint and length-delimited field helpers for the one edit of the model proto below.
bool ReadVarint(std::string_view s, size_t* pos, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= s.size()) return false;
    const uint8_t b = static_cast<uint8_t>(s[(*pos)++]);
    *v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

void WriteVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Splits a serialized protobuf message into (field number, wire type, raw field bytes including
// the tag). False on malformed input.
struct Field {
  uint64_t number = 0;
  int wire = 0;
  std::string_view raw;      // tag + payload
  std::string_view payload;  // length-delimited content (wire type 2)
};
bool SplitFields(std::string_view s, std::vector<Field>* fields) {
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t start = pos;
    uint64_t tag = 0, v = 0;
    if (!ReadVarint(s, &pos, &tag)) return false;
    Field f;
    f.number = tag >> 3;
    f.wire = static_cast<int>(tag & 7);
    switch (f.wire) {
      case 0:
        if (!ReadVarint(s, &pos, &v)) return false;
        break;
      case 1:
        pos += 8;
        break;
      case 2: {
        if (!ReadVarint(s, &pos, &v) || v > s.size() - pos) return false;
        f.payload = s.substr(pos, v);
        pos += v;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        return false;
    }
    if (pos > s.size()) return false;
    f.raw = s.substr(start, pos - start);
    fields->push_back(f);
  }
  return true;
}

// transformers' SiglipTokenizer loads spiece.model with normalizer_spec.add_dummy_prefix = false
// (ModelProto field 3, NormalizerSpec field 3). The proto is edited on the wire because Debian's
// libsentencepiece-dev ships no generated proto headers.
Result<std::string> WithoutDummyPrefix(std::string_view model) {
  std::vector<Field> top;
  if (!SplitFields(model, &top)) return Status::Corrupt("not a SentencePiece model");
  std::string out;
  out.reserve(model.size() + 8);
  bool seen = false;
  for (const Field& f : top) {
    if (f.number != 3 || f.wire != 2) {
      out.append(f.raw);
      continue;
    }
    std::vector<Field> inner;
    if (!SplitFields(f.payload, &inner)) return Status::Corrupt("bad SentencePiece normalizer");
    std::string spec;
    for (const Field& g : inner) {
      if (g.number != 3) spec.append(g.raw);
    }
    if (!seen) spec.append("\x18\x00", 2);  // field 3, varint 0
    seen = true;
    out.push_back('\x1a');  // field 3, length-delimited
    WriteVarint(spec.size(), &out);
    out.append(spec);
  }
  if (!seen) {  // no normalizer spec at all: add one holding only the flag
    out.append("\x1a\x02\x18\x00", 4);
  }
  return out;
}

}  // namespace

SiglipTokenizer::SiglipTokenizer() = default;
SiglipTokenizer::~SiglipTokenizer() = default;

Result<std::unique_ptr<SiglipTokenizer>> SiglipTokenizer::LoadFromDir(const std::string& dir,
                                                                      int max_positions) {
  std::unique_ptr<SiglipTokenizer> t(new SiglipTokenizer());
  const Json config = ReadJsonFile(JoinPath(dir, "tokenizer_config.json"));
  const Json special = ReadJsonFile(JoinPath(dir, "special_tokens_map.json"));
  const std::string cls = config.value("tokenizer_class", std::string());
  const std::string spiece = JoinPath(dir, "spiece.model");
  const std::string gemma = JoinPath(dir, "tokenizer.model");
  const bool gemma_class =
      cls.find("Gemma") != std::string::npos || cls.find("Siglip2") != std::string::npos;
  std::string model_path;
  if (StatPath(spiece).exists && !gemma_class) {
    t->kind_ = Kind::kSiglip;
    model_path = spiece;
  } else if (StatPath(gemma).exists) {
    t->kind_ = Kind::kGemma;
    model_path = gemma;
  } else {
    return Status::NotFound(dir + ": no spiece.model or tokenizer.model (SentencePiece)");
  }
  QIMG_ASSIGN_OR_RETURN(std::string proto, ReadFileToString(model_path, 64 << 20));
  if (t->kind_ == Kind::kSiglip) {
    auto edited = WithoutDummyPrefix(proto);
    if (!edited.ok()) return edited.status().WithContext(model_path);
    proto = std::move(edited).value();
  }
  t->sp_ = std::make_unique<sentencepiece::SentencePieceProcessor>();
  auto st = t->sp_->LoadFromSerializedProto(proto);
  if (!st.ok()) return Status::Corrupt(model_path + ": " + st.ToString());

  auto token = [&](const char* key, const char* fallback) {
    std::string s = TokenString(config, key);
    if (s.empty()) s = TokenString(special, key);
    return s.empty() ? std::string(fallback) : s;
  };
  const bool siglip = t->kind_ == Kind::kSiglip;
  const std::string eos = token("eos_token", siglip ? "</s>" : "<eos>");
  const std::string pad = token("pad_token", siglip ? "</s>" : "<pad>");
  const int unk = t->sp_->unk_id();
  t->eos_id_ = t->sp_->PieceToId(eos);
  t->pad_id_ = t->sp_->PieceToId(pad);
  if ((t->eos_id_ == unk && eos != t->sp_->IdToPiece(unk)) ||
      (t->pad_id_ == unk && pad != t->sp_->IdToPiece(unk))) {
    return Status::Corrupt(model_path + ": no piece for the end or padding token ('" + eos +
                           "', '" + pad + "')");
  }
  if (siglip) {
    t->lowercase_ = GetBool(config, "do_lower_case", true);
    t->add_eos_ = true;
    t->add_bos_ = false;
    t->pad_left_ = false;
    t->unk_prefix_ = t->sp_->IdToPiece(unk);
    std::vector<std::string> pieces;
    if (!t->sp_->Encode(t->unk_prefix_, &pieces).ok()) {
      return Status::Corrupt(model_path + ": cannot encode the unknown token");
    }
    t->unk_prefix_pieces_ = pieces.size();
  } else {
    // SigLIP 2's model card: lowercase the text. The rest follows the checkpoint's config over
    // the Gemma tokenizer's class defaults (BOS yes, EOS no, padding on the left).
    t->lowercase_ = true;
    t->add_bos_ = GetBool(config, "add_bos_token", true);
    t->add_eos_ = GetBool(config, "add_eos_token", false);
    t->pad_left_ = config.value("padding_side", std::string("left")) == "left";
    t->bos_id_ = t->sp_->PieceToId(token("bos_token", "<bos>"));
  }
  t->max_length_ = max_positions;
  if (auto it = config.find("model_max_length"); it != config.end() && it->is_number()) {
    // Unset limits are written as 1e30; anything beyond the position table is capped.
    const double m = it->get<double>();
    if (m >= 1 && m < max_positions) t->max_length_ = static_cast<int>(m);
  }
  if (t->max_length_ < 1 + (t->add_bos_ ? 1 : 0) + (t->add_eos_ ? 1 : 0)) {
    return Status::Corrupt(dir + ": max length too small for the special tokens");
  }
  return t;
}

std::string SiglipTokenizer::Canonicalize(std::string_view text) const {
  std::vector<UChar32> cps = CodePoints(text);
  std::vector<UChar32> lower;
  lower.reserve(cps.size() + 1);
  if (kind_ == Kind::kSiglip) {
    lower.push_back(kSpieceUnderline);
    for (UChar32& c : cps) {
      if (c == kSpieceUnderline) c = ' ';
    }
  }
  for (UChar32 c : cps) {
    if (lowercase_) {
      AppendLower(c, &lower);
    } else {
      lower.push_back(c);
    }
  }
  std::string out;
  if (kind_ == Kind::kGemma) {
    for (UChar32 c : lower) AppendUtf8(c, &out);
    return out;
  }
  // canonicalize_text: punctuation removed, whitespace runs to one space, ends stripped (the
  // leading U+2581 is not whitespace, so only the end loses spaces).
  bool in_space = false;
  for (UChar32 c : lower) {
    if (IsAsciiPunct(c)) continue;
    if (IsPySpace(c)) {
      if (!in_space) out.push_back(' ');
      in_space = true;
      continue;
    }
    in_space = false;
    AppendUtf8(c, &out);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  size_t lead = 0;
  while (lead < out.size() && out[lead] == ' ') ++lead;
  return out.substr(lead);
}

void SiglipTokenizer::EncodeCanonical(const std::string& text, std::vector<int>* ids,
                                      std::vector<std::string>* pieces) const {
  std::vector<std::string> all;
  // Encoding cannot fail on valid UTF-8 with a loaded model; on failure the text counts as empty.
  if (!sp_->Encode(unk_prefix_ + text, &all).ok()) all.clear();
  const size_t skip = std::min(unk_prefix_pieces_, all.size());
  for (size_t i = skip; i < all.size(); ++i) {
    // transformers maps piece strings to ids: an unknown run is one piece, hence one <unk>.
    if (ids) ids->push_back(sp_->PieceToId(all[i]));
    if (pieces) pieces->push_back(std::move(all[i]));
  }
}

std::vector<std::string> SiglipTokenizer::Pieces(std::string_view text) const {
  std::vector<std::string> pieces;
  EncodeCanonical(Canonicalize(text), nullptr, &pieces);
  return pieces;
}

TokenizedText SiglipTokenizer::Encode(std::string_view text) const {
  std::vector<int> content;
  EncodeCanonical(Canonicalize(text), &content, nullptr);
  const int specials = (add_bos_ ? 1 : 0) + (add_eos_ ? 1 : 0);
  TokenizedText out;
  out.num_tokens_before_truncation = static_cast<int>(content.size()) + specials;
  const size_t keep = static_cast<size_t>(max_length_ - specials);
  out.truncated = content.size() > keep;
  if (out.truncated) content.resize(keep);
  std::vector<int32_t> ids;
  if (add_bos_) ids.push_back(bos_id_);
  ids.insert(ids.end(), content.begin(), content.end());
  if (add_eos_) ids.push_back(eos_id_);
  const size_t real = ids.size();
  const size_t pad = static_cast<size_t>(max_length_) - real;
  out.input_ids.reserve(static_cast<size_t>(max_length_));
  out.attention_mask.reserve(static_cast<size_t>(max_length_));
  if (pad_left_) {
    out.input_ids.assign(pad, pad_id_);
    out.attention_mask.assign(pad, 0);
  }
  out.input_ids.insert(out.input_ids.end(), ids.begin(), ids.end());
  out.attention_mask.insert(out.attention_mask.end(), real, 1);
  if (!pad_left_) {
    out.input_ids.insert(out.input_ids.end(), pad, pad_id_);
    out.attention_mask.insert(out.attention_mask.end(), pad, 0);
  }
  out.eos_index = static_cast<int>((pad_left_ ? pad : 0) + real) - 1;
  return out;
}

}  // namespace qimg::nn
