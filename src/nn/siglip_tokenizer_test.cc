// Golden tests of the SigLIP tokenizer against siglip-tiny/golden/tokenization.json: the
// canonical text, the pieces and the 64 input_ids of all 62 strings must be identical
// (README "Recommended tolerances": exact), including the two float32-tie strings whose ids
// depend on transformers' "<unk>" prefix.
#include "nn/siglip_tokenizer.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace qimg::nn
