#include "nn/clip_tokenizer.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <climits>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/text.h"

namespace qimg::nn {
namespace {

using Json = nlohmann::json;

constexpr char kBos[] = "<|startoftext|>";
constexpr char kEos[] = "<|endoftext|>";
constexpr char kEndOfWord[] = "</w>";
// Ids index a dense table: a corrupt file with an id of 10^9 must not allocate gigabytes.
constexpr int64_t kMaxTokenId = int64_t{1} << 24;

void AppendUtf8(UChar32 c, std::string* out) {
  char buf[4];
  int32_t n = 0;
  UBool error = false;
  U8_APPEND(buf, n, 4, c, error);
  if (!error) out->append(buf, static_cast<size_t>(n));
}

// NFC, whitespace runs to one space, per-code-point full lowercase. Returns code points.
std::vector<UChar32> Normalize(std::string_view text) {
  std::string clean = SanitizeUtf8(text);
  UErrorCode err = U_ZERO_ERROR;
  std::vector<UChar> u16(clean.size() + 1);
  int32_t len = 0;
  u_strFromUTF8WithSub(u16.data(), static_cast<int32_t>(u16.size()), &len, clean.data(),
                       static_cast<int32_t>(clean.size()), 0xFFFD, nullptr, &err);
  std::vector<UChar32> cps;
  if (U_FAILURE(err)) return cps;
  const UNormalizer2* nfc = unorm2_getNFCInstance(&err);
  std::vector<UChar> norm(static_cast<size_t>(len) * 3 + 16);
  int32_t nlen = 0;
  if (U_SUCCESS(err)) {
    nlen = unorm2_normalize(nfc, u16.data(), len, norm.data(), static_cast<int32_t>(norm.size()),
                            &err);
  }
  if (U_FAILURE(err)) {  // keep the unnormalised text rather than lose it
    norm.assign(u16.begin(), u16.begin() + len);
    nlen = len;
  }
  bool in_space = false;
  for (int32_t i = 0; i < nlen;) {
    UChar32 c;
    U16_NEXT(norm.data(), i, nlen, c);
    if (u_hasBinaryProperty(c, UCHAR_WHITE_SPACE)) {
      if (!in_space) cps.push_back(' ');
      in_space = true;
      continue;
    }
    in_space = false;
    // Lowercase each character on its own, as the tokenizers library does: full mappings
    // (U+0130 -> i + U+0307), and no context, so capital sigma is always U+03C3.
    UChar src[2];
    int32_t slen = 0;
    U16_APPEND_UNSAFE(src, slen, c);
    UChar dst[8];
    UErrorCode lerr = U_ZERO_ERROR;
    int32_t dlen = u_strToLower(dst, 8, src, slen, "", &lerr);
    if (U_FAILURE(lerr) || dlen > 8) {
      cps.push_back(c);
      continue;
    }
    for (int32_t j = 0; j < dlen;) {
      UChar32 l;
      U16_NEXT(dst, j, dlen, l);
      cps.push_back(l);
    }
  }
  return cps;
}

bool IsLetter(UChar32 c) { return (U_GET_GC_MASK(c) & U_GC_L_MASK) != 0; }
bool IsNumber(UChar32 c) { return (U_GET_GC_MASK(c) & U_GC_N_MASK) != 0; }
bool IsSpace(UChar32 c) { return u_hasBinaryProperty(c, UCHAR_WHITE_SPACE); }

// Splits like the regex 's|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+ with
// leftmost-first alternation; text between matches (spaces) is dropped.
std::vector<std::string> SplitPieces(const std::vector<UChar32>& cps) {
  static const char* const kContractions[] = {"s", "t", "re", "ve", "m", "ll", "d"};
  std::vector<std::string> pieces;
  size_t n = cps.size();
  size_t i = 0;
  while (i < n) {
    UChar32 c = cps[i];
    size_t end = i;
    if (c == '\'') {
      for (const char* suffix : kContractions) {
        size_t len = std::char_traits<char>::length(suffix);
        bool match = true;
        for (size_t k = 0; match && k < len; ++k) {
          match = i + 1 + k < n && cps[i + 1 + k] == static_cast<UChar32>(suffix[k]);
        }
        if (match) {
          end = i + 1 + len;
          break;
        }
      }
    }
    if (end == i) {
      if (IsLetter(c)) {
        end = i + 1;
        while (end < n && IsLetter(cps[end])) ++end;
      } else if (IsNumber(c)) {
        end = i + 1;
      } else if (!IsSpace(c)) {
        end = i + 1;
        while (end < n && !IsSpace(cps[end]) && !IsLetter(cps[end]) && !IsNumber(cps[end])) ++end;
      } else {
        ++i;  // whitespace between matches
        continue;
      }
    }
    std::string piece;
    for (size_t k = i; k < end; ++k) AppendUtf8(cps[k], &piece);
    pieces.push_back(std::move(piece));
    i = end;
  }
  return pieces;
}

Result<std::string> ReadSpecialToken(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::NotFound(key);
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) {
    auto c = it->find("content");
    if (c != it->end() && c->is_string()) return c->get<std::string>();
  }
  return Status::Corrupt(std::string("'") + key + "' is neither a string nor {content}");
}

}  // namespace

Status ClipTokenizer::Init(const std::string& pad_token, int max_length) {
  if (max_length < 2) return Status::InvalidArgument("max_length must be at least 2");
  max_length_ = max_length;
  // Bytes with a printable Latin-1 glyph stand for themselves; the other 68 are mapped, in byte
  // order, to U+0100 upwards (GPT-2's bytes_to_unicode, which CLIP reuses).
  int next = 256;
  for (int b = 0; b < 256; ++b) {
    bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    byte_chars_[b].clear();
    AppendUtf8(printable ? b : next++, &byte_chars_[b]);
  }
  for (int b = 0; b < 256; ++b) {
    if (!vocab_.count(byte_chars_[b]) || !vocab_.count(byte_chars_[b] + kEndOfWord)) {
      return Status::Corrupt("vocabulary lacks the byte symbol for byte " + std::to_string(b));
    }
  }
  auto find = [&](const std::string& tok, int32_t* id) {
    auto it = vocab_.find(tok);
    if (it == vocab_.end()) return Status::Corrupt("vocabulary lacks '" + tok + "'");
    *id = it->second;
    return Status::Ok();
  };
  int32_t id = 0;
  QIMG_RETURN_IF_ERROR(find(kBos, &id));
  bos_id_ = id;
  QIMG_RETURN_IF_ERROR(find(kEos, &id));
  eos_id_ = id;
  unk_id_ = eos_id_;
  QIMG_RETURN_IF_ERROR(find(pad_token, &id));
  pad_id_ = id;
  id_to_token_.assign(0, std::string());
  int32_t max_id = -1;
  for (const auto& [tok, i] : vocab_) max_id = std::max(max_id, i);
  id_to_token_.resize(static_cast<size_t>(max_id + 1));
  for (const auto& [tok, i] : vocab_) id_to_token_[static_cast<size_t>(i)] = tok;
  return Status::Ok();
}

Result<std::unique_ptr<ClipTokenizer>> ClipTokenizer::FromVocabAndMerges(
    std::string_view vocab_json, std::string_view merges_txt, const std::string& pad_token,
    int max_length) {
  std::unique_ptr<ClipTokenizer> t(new ClipTokenizer());
  Json vocab = Json::parse(vocab_json, nullptr, /*allow_exceptions=*/false);
  if (vocab.is_discarded() || !vocab.is_object()) {
    return Status::Corrupt("vocab.json is not a JSON object");
  }
  for (const auto& [tok, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= kMaxTokenId) {
      return Status::Corrupt("vocab.json: bad id for '" + tok + "'");
    }
    t->vocab_[tok] = static_cast<int32_t>(id.get<int64_t>());
  }
  int32_t rank = 0;
  size_t line_no = 0;
  for (const std::string& raw : Split(merges_txt, '\n')) {
    ++line_no;
    std::string line = raw;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_no == 1 && StartsWith(line, "#version")) continue;
    if (line.empty()) continue;
    size_t sp = line.find(' ');
    if (sp == std::string::npos || sp == 0 || sp + 1 == line.size() ||
        line.find(' ', sp + 1) != std::string::npos) {
      return Status::Corrupt("merges.txt line " + std::to_string(line_no) +
                             ": expected 'left right'");
    }
    t->merge_ranks_.emplace(line, rank++);
  }
  QIMG_RETURN_IF_ERROR(t->Init(pad_token, max_length));
  return t;
}

Result<std::unique_ptr<ClipTokenizer>> ClipTokenizer::FromTokenizerJson(
    std::string_view json, const std::string& pad_token, int max_length) {
  std::unique_ptr<ClipTokenizer> t(new ClipTokenizer());
  Json root = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    return Status::Corrupt("tokenizer.json is not JSON");
  try {
    const Json& model = root.at("model");
    if (model.value("type", std::string("BPE")) != "BPE") {
      return Status::Corrupt("tokenizer.json: model type is not BPE");
    }
    for (const auto& [tok, id] : model.at("vocab").items()) {
      if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= kMaxTokenId) {
        return Status::Corrupt("tokenizer.json: bad id for '" + tok + "'");
      }
      t->vocab_[tok] = static_cast<int32_t>(id.get<int64_t>());
    }
    // Special tokens live in added_tokens, not always in model.vocab.
    if (auto it = root.find("added_tokens"); it != root.end() && it->is_array()) {
      for (const Json& a : *it) {
        const int64_t id = a.at("id").get<int64_t>();
        if (id < 0 || id >= kMaxTokenId)
          return Status::Corrupt("tokenizer.json: bad added token id");
        t->vocab_[a.at("content").get<std::string>()] = static_cast<int32_t>(id);
      }
    }
    int32_t rank = 0;
    // Merges are "left right" strings (tokenizers < 0.20) or ["left", "right"] pairs.
    for (const Json& m : model.at("merges")) {
      std::string key = m.is_string()
                            ? m.get<std::string>()
                            : m.at(0).get<std::string>() + " " + m.at(1).get<std::string>();
      t->merge_ranks_.emplace(key, rank++);
    }
  } catch (const Json::exception& e) {
    return Status::Corrupt(std::string("tokenizer.json: ") + e.what());
  }
  QIMG_RETURN_IF_ERROR(t->Init(pad_token, max_length));
  return t;
}

Result<std::unique_ptr<ClipTokenizer>> ClipTokenizer::LoadFromDir(const std::string& dir,
                                                                  int max_positions) {
  std::string pad_token = kEos;
  int max_length = max_positions;
  for (const char* name : {"tokenizer_config.json", "special_tokens_map.json"}) {
    std::string path = JoinPath(dir, name);
    if (!StatPath(path).exists) continue;
    QIMG_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, 16 << 20));
    Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return Status::Corrupt(path + ": not a JSON object");
    // special_tokens_map.json is read last, so it wins, as in transformers.
    auto pad = ReadSpecialToken(j, "pad_token");
    if (pad.ok()) {
      pad_token = *pad;
    } else if (pad.status().code() != StatusCode::kNotFound) {
      return pad.status().WithContext(path);
    }
    auto it = j.find("model_max_length");
    // Some exports write 1e30 ("no limit"); the position table is the real limit.
    if (it != j.end() && it->is_number() && it->get<double>() >= 2 &&
        it->get<double>() < max_positions) {
      max_length = static_cast<int>(it->get<double>());
    }
  }
  std::string vocab_path = JoinPath(dir, "vocab.json");
  std::string merges_path = JoinPath(dir, "merges.txt");
  Result<std::unique_ptr<ClipTokenizer>> t =
      Status::NotFound(dir + ": no tokenizer (need vocab.json + merges.txt, or tokenizer.json)");
  if (StatPath(vocab_path).exists && StatPath(merges_path).exists) {
    QIMG_ASSIGN_OR_RETURN(std::string vocab, ReadFileToString(vocab_path, 64 << 20));
    QIMG_ASSIGN_OR_RETURN(std::string merges, ReadFileToString(merges_path, 64 << 20));
    t = FromVocabAndMerges(vocab, merges, pad_token, max_length);
  } else if (std::string tj = JoinPath(dir, "tokenizer.json"); StatPath(tj).exists) {
    QIMG_ASSIGN_OR_RETURN(std::string text, ReadFileToString(tj, 128 << 20));
    t = FromTokenizerJson(text, pad_token, max_length);
  }
  if (!t.ok()) return t.status().WithContext(dir);
  return t;
}

void ClipTokenizer::Bpe(const std::string& piece, std::vector<int32_t>* out) const {
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = cache_.find(piece);
    if (it != cache_.end()) {
      out->insert(out->end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<std::string> syms;
  for (unsigned char b : piece) syms.push_back(byte_chars_[b]);
  if (syms.empty()) return;
  syms.back() += kEndOfWord;
  std::string key;
  while (syms.size() > 1) {
    int32_t best = INT32_MAX;
    size_t best_i = 0;
    for (size_t i = 0; i + 1 < syms.size(); ++i) {
      key.assign(syms[i]).append(" ").append(syms[i + 1]);
      auto it = merge_ranks_.find(key);
      if (it != merge_ranks_.end() && it->second < best) {
        best = it->second;
        best_i = i;
      }
    }
    if (best == INT32_MAX) break;
    std::string first = syms[best_i];
    std::string second = syms[best_i + 1];
    std::vector<std::string> merged;
    merged.reserve(syms.size());
    for (size_t i = 0; i < syms.size();) {
      if (i + 1 < syms.size() && syms[i] == first && syms[i + 1] == second) {
        merged.push_back(first + second);
        i += 2;
      } else {
        merged.push_back(std::move(syms[i]));
        ++i;
      }
    }
    syms = std::move(merged);
  }
  std::vector<int32_t> ids;
  for (const std::string& s : syms) {
    auto it = vocab_.find(s);
    ids.push_back(it == vocab_.end() ? unk_id_ : it->second);
  }
  out->insert(out->end(), ids.begin(), ids.end());
  std::lock_guard<std::mutex> lock(cache_mu_);
  if (cache_.size() > 50000) cache_.clear();
  cache_.emplace(piece, std::move(ids));
}

std::vector<int32_t> ClipTokenizer::EncodeContent(std::string_view text) const {
  std::vector<int32_t> ids;
  for (const std::string& piece : SplitPieces(Normalize(text))) Bpe(piece, &ids);
  return ids;
}

TokenizedText ClipTokenizer::Encode(std::string_view text) const {
  std::vector<int32_t> content = EncodeContent(text);
  TokenizedText t;
  t.num_tokens_before_truncation = static_cast<int>(content.size()) + 2;
  size_t keep = std::min(content.size(), static_cast<size_t>(max_length_ - 2));
  t.truncated = keep < content.size();
  t.input_ids.reserve(static_cast<size_t>(max_length_));
  t.input_ids.push_back(bos_id_);
  t.input_ids.insert(t.input_ids.end(), content.begin(), content.begin() + static_cast<long>(keep));
  t.eos_index = static_cast<int>(t.input_ids.size());
  t.input_ids.push_back(eos_id_);
  t.attention_mask.assign(t.input_ids.size(), 1);
  t.input_ids.resize(static_cast<size_t>(max_length_), pad_id_);
  t.attention_mask.resize(static_cast<size_t>(max_length_), 0);
  return t;
}

const std::string& ClipTokenizer::IdToToken(int32_t id) const {
  static const std::string kEmpty;
  if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size()) return kEmpty;
  return id_to_token_[static_cast<size_t>(id)];
}

}  // namespace qimg::nn
