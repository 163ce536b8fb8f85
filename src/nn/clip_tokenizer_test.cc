#include "nn/clip_tokenizer.h"

#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/text.h"
#include "nn/test_util.h"

namespace qimg::nn {
namespace {

using testing::ClipTinyModelDir;
using testing::ReadGolden;

std::unique_ptr<ClipTokenizer> LoadTiny() {
  auto t = ClipTokenizer::LoadFromDir(ClipTinyModelDir(), 77);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? std::move(t).value() : nullptr;
}

void ExpectMatchesGolden(const ClipTokenizer& tok) {
  const auto golden = ReadGolden("tokenization.json");
  ASSERT_EQ(golden["cases"].size(), 79u);
  for (const auto& c : golden["cases"]) {
    const std::string text = c["text"];
    SCOPED_TRACE("case " + std::to_string(c["id"].get<int>()) + ": " + text);
    TokenizedText t = tok.Encode(text);
    EXPECT_EQ(t.input_ids, c["input_ids"].get<std::vector<int32_t>>());
    EXPECT_EQ(t.attention_mask, c["attention_mask"].get<std::vector<int32_t>>());
    EXPECT_EQ(t.eos_index, c["eos_index"].get<int>());
    EXPECT_EQ(t.num_tokens_before_truncation, c["num_tokens_before_truncation"].get<int>());
    EXPECT_EQ(t.truncated, c["truncated"].get<bool>());
    std::vector<std::string> tokens;
    for (int i = 0; i <= t.eos_index; ++i) tokens.push_back(tok.IdToToken(t.input_ids[i]));
    EXPECT_EQ(tokens, c["bpe_tokens"].get<std::vector<std::string>>());
  }
}

TEST(ClipTokenizerTest, MatchesGoldenIdsFromVocabAndMerges) {
  auto tok = LoadTiny();
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->vocab_size(), 49408u);
  EXPECT_EQ(tok->bos_id(), 49406);
  EXPECT_EQ(tok->eos_id(), 49407);
  EXPECT_EQ(tok->pad_id(), 49407);  // pad_token is <|endoftext|> in this folder
  EXPECT_EQ(tok->max_length(), 77);
  ExpectMatchesGolden(*tok);
}

TEST(ClipTokenizerTest, MatchesGoldenIdsFromTokenizerJson) {
  // Build the tokenizer.json a converted checkpoint would carry, from the same vocab and merges.
  auto vocab_text = ReadFileToString(ClipTinyModelDir() + "/vocab.json");
  auto merges_text = ReadFileToString(ClipTinyModelDir() + "/merges.txt");
  ASSERT_TRUE(vocab_text.ok() && merges_text.ok());
  nlohmann::json vocab = nlohmann::json::parse(*vocab_text);
  nlohmann::json merges = nlohmann::json::array();
  bool first = true;
  for (const std::string& line : Split(*merges_text, '\n')) {
    if (first) {
      first = false;
      continue;
    }  // "#version: 0.2"
    if (line.empty()) continue;
    size_t sp = line.find(' ');
    merges.push_back({line.substr(0, sp), line.substr(sp + 1)});  // newer pair form
  }
  nlohmann::json added = nlohmann::json::array();
  added.push_back({{"id", 49406}, {"content", "<|startoftext|>"}});
  added.push_back({{"id", 49407}, {"content", "<|endoftext|>"}});
  nlohmann::json tj = {{"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}},
                       {"added_tokens", added}};
  auto tok = ClipTokenizer::FromTokenizerJson(tj.dump(), "<|endoftext|>", 77);
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  ExpectMatchesGolden(**tok);
}

TEST(ClipTokenizerTest, PadTokenFromOtherCheckpoints) {
  auto vocab_text = ReadFileToString(ClipTinyModelDir() + "/vocab.json");
  auto merges_text = ReadFileToString(ClipTinyModelDir() + "/merges.txt");
  ASSERT_TRUE(vocab_text.ok() && merges_text.ok());
  auto tok = ClipTokenizer::FromVocabAndMerges(*vocab_text, *merges_text, "!", 77);
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  TokenizedText t = (*tok)->Encode("a photo of a cat");
  EXPECT_EQ(t.input_ids[7], 0);  // '!' has id 0
  EXPECT_EQ(t.input_ids[6], 49407);
  EXPECT_EQ(t.attention_mask[7], 0);
}

TEST(ClipTokenizerTest, InvalidUtf8AndHugeInputDoNotFail) {
  auto tok = LoadTiny();
  ASSERT_NE(tok, nullptr);
  TokenizedText t = tok->Encode(std::string("caf\xc3\x28 \xff\xfe", 8));
  EXPECT_EQ(t.input_ids.size(), 77u);
  std::string big(200000, 'a');
  TokenizedText b = tok->Encode(big + " " + big);
  EXPECT_TRUE(b.truncated);
  EXPECT_EQ(b.input_ids[76], 49407);
}

TEST(ClipTokenizerTest, HugeTokenIdIsRejectedNotAllocated) {
  auto vocab_text = ReadFileToString(ClipTinyModelDir() + "/vocab.json");
  ASSERT_TRUE(vocab_text.ok());
  nlohmann::json vocab = nlohmann::json::parse(*vocab_text);
  vocab["zzzz"] = 1000000000;  // a dense id table this size would need 32 GB
  auto tok = ClipTokenizer::FromVocabAndMerges(vocab.dump(), "", "!", 77);
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), StatusCode::kCorrupt);
}

TEST(ClipTokenizerTest, CorruptFilesAreErrors) {
  EXPECT_FALSE(ClipTokenizer::FromVocabAndMerges("[1,2]", "", "!", 77).ok());
  EXPECT_FALSE(
      ClipTokenizer::FromVocabAndMerges(R"({"a":1})", "#version: 0.2\na b\n", "!", 77).ok());
  EXPECT_FALSE(ClipTokenizer::FromTokenizerJson(R"({"model":{"type":"WordPiece"}})", "!", 77).ok());
  EXPECT_FALSE(ClipTokenizer::FromTokenizerJson(R"({"model":{"vocab":3}})", "!", 77).ok());
  EXPECT_FALSE(ClipTokenizer::LoadFromDir("/nonexistent", 77).ok());
}

}  // namespace
}  // namespace qimg::nn
