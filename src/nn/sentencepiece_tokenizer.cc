// XLM-RoBERTa's tokenizer: libsentencepiece segments (the model's own normaliser, e.g. nmt_nfkc,
// and unigram/BPE), then fairseq's id layout (see text_tokenizer.h) as transformers'
// XLMRobertaTokenizer maps it.
#include <sentencepiece_processor.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "nn/text_tokenizer.h"

namespace qimg::nn {
namespace {

constexpr int32_t kBos = 0, kPad = 1, kEos = 2, kUnk = 3;
constexpr int32_t kFairseqOffset = 1;

class SentencePieceTokenizer : public TextTokenizer {
 public:
  Status Init(const std::string& dir, int max_length) {
    family_ = BertFamily::kXlmRoberta;
    max_length_ = max_length;
    const std::string path = JoinPath(dir, "sentencepiece.bpe.model");
    if (!StatPath(path).exists) {
      return Status::NotFound(dir + ": no sentencepiece.bpe.model (the XLM-R tokenizer model)");
    }
    QIMG_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path, 256 << 20));
    auto st = sp_.LoadFromSerializedProto(bytes);
    if (!st.ok()) return Status::Corrupt(path + ": " + st.ToString());
    pieces_ = sp_.GetPieceSize();
    if (pieces_ < 4) return Status::Corrupt(path + ": too few pieces");
    cls_id_ = kBos;
    sep_id_ = kEos;
    pad_id_ = kPad;
    unk_id_ = kUnk;
    specials_ = {{"<mask>", pieces_ + kFairseqOffset, true},
                 {"<pad>", kPad, false},
                 {"<unk>", kUnk, false},
                 {"</s>", kEos, false},
                 {"<s>", kBos, false}};
    std::stable_sort(specials_.begin(), specials_.end(), [](const Special& a, const Special& b) {
      return a.literal.size() > b.literal.size();
    });
    return Status::Ok();
  }

  std::string IdToToken(int32_t id) const override {
    switch (id) {
      case kBos:
        return "<s>";
      case kPad:
        return "<pad>";
      case kEos:
        return "</s>";
      case kUnk:
        return "<unk>";
      default:
        break;
    }
    if (id == pieces_ + kFairseqOffset) return "<mask>";
    if (id > kUnk && id - kFairseqOffset < pieces_) return sp_.IdToPiece(id - kFairseqOffset);
    return "";
  }

 protected:
  void EncodePlain(std::string_view text, std::vector<int32_t>* out) const override {
    std::vector<int> ids;
    if (!sp_.Encode(absl::string_view(text.data(), text.size()), &ids).ok()) {
      out->push_back(kUnk);  // only on internal errors; the text is valid UTF-8 here
      return;
    }
    for (int id : ids) {
      // SentencePiece's <unk> is 0; its control pieces <s>/</s> never come out of Encode.
      out->push_back(id == sp_.unk_id() || id <= 0 ? kUnk : id + kFairseqOffset);
    }
  }

 private:
  sentencepiece::SentencePieceProcessor sp_;
  int pieces_ = 0;
};

}  // namespace

Result<std::unique_ptr<TextTokenizer>> LoadSentencePieceTokenizer(const std::string& dir,
                                                                  int max_length) {
  auto t = std::make_unique<SentencePieceTokenizer>();
  QIMG_RETURN_IF_ERROR(t->Init(dir, max_length));
  return std::unique_ptr<TextTokenizer>(std::move(t));
}

}  // namespace qimg::nn
