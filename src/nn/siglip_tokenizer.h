// The tokenizers of SigLIP checkpoints, on libsentencepiece, producing the ids transformers
// produces with padding="max_length", truncation=True, max_length=<model_max_length capped at the
// text tower's positions>:
//  - SigLIP (spiece.model, SiglipTokenizer): U+2581 -> space and one U+2581 in front;
//  per-code-point
//    lowercase; the 32 ASCII punctuation characters deleted; runs of Unicode whitespace (Python's
//    \s) to one space, ends stripped; then the unigram model (add_dummy_prefix forced off) on
//    "<unk>" + text with the "<unk>" pieces dropped, as transformers does (it decides float32
//    score ties); first max_length-1 ids + </s>, right-padded with the pad token (</s>).
//  - SigLIP 2 (Gemma tokenizer.model): per-code-point lowercase (the model card requires it;
//    GemmaTokenizerFast itself does not lowercase), the model's own BPE with byte fallback, no
//    BOS, first max_length-1 ids + <eos>, right-padded with <pad>.
// Literal special-token strings in the text are encoded as ordinary text.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "nn/clip_tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace qimg::nn {

class SiglipTokenizer {
 public:
  enum class Kind { kSiglip, kGemma };

  // Loads from a model folder: spiece.model (SigLIP) or tokenizer.model (Gemma; also chosen when
  // tokenizer_config.json names a Gemma or Siglip2 tokenizer class), with eos/pad tokens and
  // model_max_length from tokenizer_config.json / special_tokens_map.json. max_length is capped
  // at `max_positions`. NotFound without a SentencePiece model, Corrupt when it does not load or
  // lacks the special tokens.
  static Result<std::unique_ptr<SiglipTokenizer>> LoadFromDir(const std::string& dir,
                                                              int max_positions);
  ~SiglipTokenizer();

  // Never fails: invalid UTF-8 is replaced by U+FFFD first. attention_mask is what transformers
  // would return if asked (1 up to and including the end token); the checkpoints do not use it.
  TokenizedText Encode(std::string_view text) const;
  // The text the SentencePiece model sees (after lowercasing and, for SigLIP, steps 1-3 above).
  std::string Canonicalize(std::string_view text) const;
  // Content pieces of the canonical text, as SentencePiece returns them.
  std::vector<std::string> Pieces(std::string_view text) const;

  Kind kind() const { return kind_; }
  int eos_id() const { return eos_id_; }
  int pad_id() const { return pad_id_; }
  int max_length() const { return max_length_; }

 private:
  SiglipTokenizer();
  // Content ids and pieces of canonical text.
  void EncodeCanonical(const std::string& text, std::vector<int>* ids,
                       std::vector<std::string>* pieces) const;

  Kind kind_ = Kind::kSiglip;
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
  bool lowercase_ = true;
  bool add_bos_ = false, add_eos_ = true, pad_left_ = false;
  int bos_id_ = 2;
  std::string unk_prefix_;  // "<unk>" for SigLIP
  size_t unk_prefix_pieces_ = 0;
  int eos_id_ = 1, pad_id_ = 1, max_length_ = 64;
};

}  // namespace qimg::nn
