// CLIP's byte-level BPE tokenizer, producing exactly the ids of Hugging Face's CLIPTokenizerFast
// called with padding="max_length", truncation=True, max_length=77:
//   NFC -> every run of Unicode whitespace becomes one space -> lowercase code point by code
//   point (full mapping, no final-sigma context) -> split on
//   's|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+ -> bytes to printable characters -> BPE
//   with "</w>" on the last symbol -> [BOS] + first max_length-2 ids + [EOS] -> pad on the right.
// The front end's Unicode tables come from ICU. Literal special-token strings in the text
// ("<|endoftext|>") are tokenized as ordinary text.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"

namespace qimg::nn {

struct TokenizedText {
  std::vector<int32_t> input_ids;        // max_length ids: BOS, content, EOS, padding
  std::vector<int32_t> attention_mask;   // 1 from BOS to EOS, 0 on padding
  int eos_index = 0;                     // position of EOS (the text tower pools there)
  int num_tokens_before_truncation = 0;  // BOS + content + EOS
  bool truncated = false;
};

class ClipTokenizer {
 public:
  // Loads from a model folder: vocab.json + merges.txt when both exist, otherwise tokenizer.json.
  // The pad token comes from special_tokens_map.json or tokenizer_config.json (default
  // "<|endoftext|>"); max_length is tokenizer_config's model_max_length capped at
  // `max_positions` (the text tower's max_position_embeddings).
  static Result<std::unique_ptr<ClipTokenizer>> LoadFromDir(const std::string& dir,
                                                            int max_positions);
  // From file contents: vocab.json text and merges.txt text (with or without "#version" line).
  static Result<std::unique_ptr<ClipTokenizer>> FromVocabAndMerges(std::string_view vocab_json,
                                                                   std::string_view merges_txt,
                                                                   const std::string& pad_token,
                                                                   int max_length);
  // From the text of a tokenizers-library tokenizer.json (BPE model).
  static Result<std::unique_ptr<ClipTokenizer>> FromTokenizerJson(std::string_view json,
                                                                  const std::string& pad_token,
                                                                  int max_length);

  // Never fails: invalid UTF-8 is replaced by U+FFFD first, and every byte has a vocab entry.
  TokenizedText Encode(std::string_view text) const;
  // Content ids only (no BOS/EOS, no truncation).
  std::vector<int32_t> EncodeContent(std::string_view text) const;
  // The vocabulary string of an id ("" when out of range).
  const std::string& IdToToken(int32_t id) const;

  int bos_id() const { return bos_id_; }
  int eos_id() const { return eos_id_; }
  int pad_id() const { return pad_id_; }
  int max_length() const { return max_length_; }
  size_t vocab_size() const { return id_to_token_.size(); }

 private:
  ClipTokenizer() = default;
  Status Init(const std::string& pad_token, int max_length);
  void Bpe(const std::string& piece, std::vector<int32_t>* out) const;

  std::unordered_map<std::string, int32_t> vocab_;
  std::vector<std::string> id_to_token_;
  std::unordered_map<std::string, int32_t> merge_ranks_;  // "left right" -> rank
  std::string byte_chars_[256];  // byte -> its printable stand-in, UTF-8 encoded
  int bos_id_ = 0, eos_id_ = 0, pad_id_ = 0, unk_id_ = 0, max_length_ = 77;

  mutable std::mutex cache_mu_;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

}  // namespace qimg::nn
