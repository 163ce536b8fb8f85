// Tokenizers of the BERT-family text encoders, producing the ids of Hugging Face's slow
// tokenizers (BertTokenizer, XLMRobertaTokenizer):
//  - WordPiece (vocab.txt): clean (drop NUL, U+FFFD and C* except \t\n\r; whitespace -> space),
//    spaces around CJK ideographs, split on whitespace, lowercase + NFD without Mn marks (when
//    do_lower_case), every punctuation character its own word, greedy longest-match WordPiece with
//    "##" continuations, a word over 100 characters or with an unmatched part -> [UNK].
//  - SentencePiece (sentencepiece.bpe.model, via libsentencepiece): the model's own normaliser
//    and segmentation, ids shifted by the fairseq offset (piece k -> k + 1, <unk> -> 3, <s> 0,
//    <pad> 1, </s> 2, <mask> = pieces + 1).
// Registered special tokens written literally in the text ("[SEP]", "<mask>", exact case) are cut
// out first and map to their ids, as transformers does. Encode() adds the sequence markers
// ([CLS] x [SEP] / <s> x </s>) and keeps the first max_length - 2 pieces.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "nn/bert_config.h"

namespace qimg::nn {

struct EncodedText {
  std::vector<int32_t> ids;  // with the sequence markers, at most max_length
  int num_ids_untruncated = 0;
  bool truncated = false;
};

class TextTokenizer {
 public:
  virtual ~TextTokenizer() = default;

  // Loads the tokenizer a model folder of `family` ships: vocab.txt (+ tokenizer_config.json's
  // do_lower_case / tokenize_chinese_chars / strip_accents) or sentencepiece.bpe.model. The
  // sequence limit is `max_length` ids including markers (callers pass min(model_max_length,
  // the model's positions)). NotFound / Corrupt for missing or malformed files.
  static Result<std::unique_ptr<TextTokenizer>> LoadFromDir(const std::string& dir,
                                                            BertFamily family, int max_length);
  // tokenizer_config.json's model_max_length when it is a sane number (1..1e6), else 0.
  static int ModelMaxLengthFromDir(const std::string& dir);

  // Content ids: no markers, no truncation. Never fails (invalid UTF-8 becomes U+FFFD first).
  std::vector<int32_t> EncodeContent(std::string_view text) const;
  // The vocabulary string of an id ("" when out of range).
  virtual std::string IdToToken(int32_t id) const = 0;

  // One sequence: [CLS] pieces [SEP], truncated to max_length ids.
  EncodedText Encode(std::string_view text) const;
  // A pair for cross-encoders: [CLS] a [SEP] b [SEP] (BERT) or <s> a </s></s> b </s> (XLM-R),
  // truncated "longest first" (one piece at a time from the longer side, from b on ties) like
  // transformers. *type_ids gets 0 for the first segment and 1 for the second (BERT only;
  // XLM-R uses zeros).
  EncodedText EncodePair(std::string_view a, std::string_view b,
                         std::vector<int32_t>* type_ids) const;

  BertFamily family() const { return family_; }
  int cls_id() const { return cls_id_; }
  int sep_id() const { return sep_id_; }
  int pad_id() const { return pad_id_; }
  int max_length() const { return max_length_; }

 protected:
  struct Special {
    std::string literal;
    int32_t id;
    bool lstrip;  // swallows the whitespace before it (XLM-R's <mask>)
  };
  // Appends the ids of text that contains no special-token literal (valid UTF-8).
  virtual void EncodePlain(std::string_view text, std::vector<int32_t>* out) const = 0;

  BertFamily family_ = BertFamily::kBert;
  int cls_id_ = 0, sep_id_ = 0, pad_id_ = 0, unk_id_ = 0;
  int max_length_ = 512;
  std::vector<Special> specials_;
};

}  // namespace qimg::nn
