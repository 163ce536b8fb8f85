// Golden tests of the SigLIP tokenizer against siglip-tiny/golden/tokenization.json: the
// canonical text, the pieces and the 64 input_ids of all 62 strings must be identical
// (README "Recommended tolerances": exact), including the two float32-tie strings whose ids
// depend on transformers' "<unk>" prefix. The Gemma path (SigLIP 2) is checked on a small BPE
// model trained here with Gemma's settings (no golden ids exist for it in this repository).
#include "nn/siglip_tokenizer.h"

#include <gtest/gtest.h>
#include <sentencepiece_trainer.h>

#include <filesystem>
#include <fstream>
#include <unordered_map>

#include "nn/siglip_test_util.h"

namespace qimg::nn {
namespace {

std::unique_ptr<SiglipTokenizer> LoadTiny() {
  auto t = SiglipTokenizer::LoadFromDir(testing::SiglipTinyModelDir(), 64);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? std::move(t).value() : nullptr;
}

TEST(SiglipTokenizerTest, MatchesGoldenIds) {
  auto tok = LoadTiny();
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->kind(), SiglipTokenizer::Kind::kSiglip);
  EXPECT_EQ(tok->max_length(), 64);
  EXPECT_EQ(tok->eos_id(), 1);
  EXPECT_EQ(tok->pad_id(), 1);
  const auto golden = testing::ReadSiglipGolden("tokenization.json");
  const auto& cases = golden["cases"];
  ASSERT_EQ(cases.size(), 62u);
  int ties = 0;
  for (const auto& c : cases) {
    const std::string text = c["text"];
    SCOPED_TRACE(c["category"].get<std::string>() + ": " + text);
    EXPECT_EQ(tok->Canonicalize(text), c["canonicalized_text"].get<std::string>());
    // The golden pieces stop where truncation does (63 content pieces).
    std::vector<std::string> pieces = tok->Pieces(text);
    if (pieces.size() > 63) pieces.resize(63);
    EXPECT_EQ(pieces, c["pieces"].get<std::vector<std::string>>());
    TokenizedText t = tok->Encode(text);
    EXPECT_EQ(t.input_ids, c["input_ids"].get<std::vector<int32_t>>());
    EXPECT_EQ(t.attention_mask, c["attention_mask_if_requested"].get<std::vector<int32_t>>());
    EXPECT_EQ(t.num_tokens_before_truncation, c["num_tokens_before_truncation"].get<int>());
    EXPECT_EQ(t.truncated, c["truncated"].get<bool>());
    if (c["differs_from_plain_spm_encode"].get<bool>()) ++ties;
  }
  EXPECT_EQ(ties, 2);  // the cases that prove the "<unk>" prefix is applied
}

TEST(SiglipTokenizerTest, InvalidUtf8AndEmptyText) {
  auto tok = LoadTiny();
  ASSERT_NE(tok, nullptr);
  TokenizedText empty = tok->Encode("");
  ASSERT_EQ(empty.input_ids.size(), 64u);
  EXPECT_EQ(empty.input_ids[0], 1);  // only </s>, then </s> padding
  EXPECT_EQ(empty.num_tokens_before_truncation, 1);
  TokenizedText bad = tok->Encode(std::string("a\xff\xfe b", 5));
  EXPECT_EQ(bad.input_ids.size(), 64u);
}

TEST(SiglipTokenizerTest, MissingModelIsNotFound) {
  auto t = SiglipTokenizer::LoadFromDir(std::string(QIMG_TESTDATA_DIR) + "/clip-tiny/model", 64);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound);
}

class Lines : public sentencepiece::SentenceIterator {
 public:
  explicit Lines(std::vector<std::string> lines) : lines_(std::move(lines)) {}
  bool done() const override { return i_ >= lines_.size(); }
  void Next() override { ++i_; }
  const std::string& value() const override { return lines_[i_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  std::vector<std::string> lines_;
  size_t i_ = 0;
};

// A folder shaped like google/siglip2-*: a Gemma-style tokenizer.model (BPE, byte fallback,
// identity normaliser, no dummy prefix, whitespace kept; <pad> 0, <eos> 1, <bos> 2, <unk> 3)
// and the checkpoint's tokenizer_config.json.
std::string MakeGemmaFolder() {
  std::vector<std::string> lines;
  for (int i = 0; i < 40; ++i) {
    lines.push_back("a photo of a cat on the mat");
    lines.push_back("a photo of a dog in the park at night");
    lines.push_back("the quick brown fox jumps over the lazy dog");
  }
  Lines it(lines);
  std::string proto;
  const std::unordered_map<std::string, std::string> args = {
      {"model_type", "bpe"},
      {"vocab_size", "320"},
      {"byte_fallback", "true"},
      {"normalization_rule_name", "identity"},
      {"add_dummy_prefix", "false"},
      {"remove_extra_whitespaces", "false"},
      {"pad_id", "0"},
      {"eos_id", "1"},
      {"bos_id", "2"},
      {"unk_id", "3"},
      {"pad_piece", "<pad>"},
      {"eos_piece", "<eos>"},
      {"bos_piece", "<bos>"},
      {"unk_piece", "<unk>"},
      {"hard_vocab_limit", "false"},
      {"num_threads", "1"},
      {"minloglevel", "2"}};
  auto st = sentencepiece::SentencePieceTrainer::Train(args, &it, &proto);
  EXPECT_TRUE(st.ok()) << st.ToString();
  const std::string dir = ::testing::TempDir() + "/qimg_gemma_tokenizer";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/tokenizer.model", std::ios::binary) << proto;
  std::ofstream(dir + "/tokenizer_config.json")
      << R"({"tokenizer_class": "GemmaTokenizer", "add_bos_token": false, "add_eos_token": true,
            "padding_side": "right", "model_max_length": 1000000000000000019884624838656,
            "bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>",
            "unk_token": "<unk>", "model_input_names": ["input_ids"]})";
  return dir;
}

TEST(SiglipTokenizerTest, GemmaLowercasesAppendsEosPadsWithZero) {
  auto t = SiglipTokenizer::LoadFromDir(MakeGemmaFolder(), 64);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const SiglipTokenizer& tok = **t;
  EXPECT_EQ(tok.kind(), SiglipTokenizer::Kind::kGemma);
  EXPECT_EQ(tok.max_length(), 64);  // the huge model_max_length is capped at the positions
  EXPECT_EQ(tok.eos_id(), 1);
  EXPECT_EQ(tok.pad_id(), 0);
  // Lowercased per character first (the model card's requirement); punctuation kept.
  EXPECT_EQ(tok.Canonicalize("A Photo, OF a CAT"), "a photo, of a cat");
  TokenizedText a = tok.Encode("A Photo of a CAT");
  TokenizedText b = tok.Encode("a photo of a cat");
  EXPECT_EQ(a.input_ids, b.input_ids);
  ASSERT_EQ(a.input_ids.size(), 64u);
  EXPECT_NE(a.input_ids[0], 2);  // no <bos>
  const int n = a.num_tokens_before_truncation;
  ASSERT_GT(n, 1);
  EXPECT_EQ(a.input_ids[static_cast<size_t>(n - 1)], 1);                              // <eos>
  for (size_t i = static_cast<size_t>(n); i < 64; ++i) EXPECT_EQ(a.input_ids[i], 0);  // <pad>
  EXPECT_EQ(a.eos_index, n - 1);
  // No dummy prefix and no whitespace collapsing: spaces are pieces of their own.
  std::vector<std::string> pieces = tok.Pieces("a  cat");
  ASSERT_FALSE(pieces.empty());
  EXPECT_EQ(pieces[0], "a");
  EXPECT_NE(tok.Encode("a  cat").input_ids, tok.Encode("a cat").input_ids);
  // Characters outside the vocabulary become their UTF-8 bytes.
  std::vector<std::string> euro = tok.Pieces("\xe2\x82\xac");
  EXPECT_EQ(euro, (std::vector<std::string>{"<0xE2>", "<0x82>", "<0xAC>"}));
  // Long texts: 63 content ids and <eos>.
  std::string longer;
  for (int i = 0; i < 80; ++i) longer += "the quick brown fox jumps over the lazy dog ";
  TokenizedText l = tok.Encode(longer);
  EXPECT_TRUE(l.truncated);
  ASSERT_EQ(l.input_ids.size(), 64u);
  EXPECT_EQ(l.input_ids[63], 1);
}

}  // namespace
}  // namespace qimg::nn
