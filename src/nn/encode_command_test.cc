// `qimg encode` through RunEncodeCommand: output shape, values against golden data, errors.
#include "cli/encode_command.h"

#include <gtest/gtest.h>

#include "base/text.h"
#include "nn/siglip_test_util.h"
#include "nn/test_util.h"

namespace qimg {
namespace {

using nn::testing::ClipTinyDir;
using nn::testing::ClipTinyModelDir;
using nn::testing::Floats;
using nn::testing::MaxAbsDiff;
using nn::testing::ReadGolden;

TEST(EncodeCommandTest, JsonWithTokensMatchesGolden) {
  EncodeCommandOptions o;
  o.model_dir = ClipTinyModelDir();
  o.images = {ClipTinyDir() + "/images/img01_gradient_shapes_64x48.png"};
  o.texts = {"a photo of a cat", "A Photo Of A CAT"};
  o.json = true;
  o.tokens = true;
  ::testing::internal::CaptureStdout();
  int rc = RunEncodeCommand(o);
  std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_EQ(rc, 0);
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["dim"], 32);
  ASSERT_EQ(j["items"].size(), 3u);
  const auto images = ReadGolden("images.json")["images"];
  const auto texts = ReadGolden("text_embeddings.json")["cases"];
  auto img = Floats(j["items"][0]["embedding"]);
  auto img_want = Floats(images[0]["image_embeds_normalized"]);
  EXPECT_EQ(j["items"][0]["type"], "image");
  EXPECT_LE(MaxAbsDiff(img.data(), img_want.data(), 32), 1e-4f);
  for (int k : {1, 2}) {
    const auto& item = j["items"][static_cast<size_t>(k)];
    EXPECT_EQ(item["type"], "text");
    const auto& golden = texts[static_cast<size_t>(k == 1 ? 0 : 2)];
    ASSERT_EQ(golden["text"], item["input"]);
    auto e = Floats(item["embedding"]);
    auto want = Floats(golden["text_embeds_normalized"]);
    EXPECT_LE(MaxAbsDiff(e.data(), want.data(), 32), 1e-4f);
    auto ids = golden["input_ids"].get<std::vector<int>>();
    ids.resize(static_cast<size_t>(golden["eos_index"].get<int>()) + 1);
    EXPECT_EQ(item["tokens"].get<std::vector<int>>(), ids);
    // raw = embedding * raw_norm reproduces the unnormalised text_embeds.
    auto raw = Floats(golden["text_embeds"]);
    EXPECT_NEAR(e[0] * item["raw_norm"].get<float>(), raw[0], 1e-4f);
  }
}

TEST(EncodeCommandTest, SiglipFolder) {
  EncodeCommandOptions o;
  o.model_dir = nn::testing::SiglipTinyModelDir();
  o.images = {nn::testing::SiglipTinyDir() + "/images/img01_gradient_shapes_64x48.png"};
  o.texts = {"a photo of a cat"};
  o.json = true;
  o.tokens = true;
  ::testing::internal::CaptureStdout();
  int rc = RunEncodeCommand(o);
  std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_EQ(rc, 0);
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["family"], "siglip");
  EXPECT_EQ(j["dim"], 64);
  EXPECT_NEAR(j["logit_scale"].get<double>(), 10.0, 1e-5);
  EXPECT_NEAR(j["logit_bias"].get<double>(), -2.5, 1e-7);
  ASSERT_EQ(j["items"].size(), 2u);
  const auto image = nn::testing::ReadSiglipGolden("images.json")["images"][0];
  const auto text = nn::testing::ReadSiglipGolden("text_embeddings.json")["cases"][0];
  auto img = Floats(j["items"][0]["embedding"]);
  auto img_want = Floats(image["image_embeds_normalized"]);
  EXPECT_LE(MaxAbsDiff(img.data(), img_want.data(), 64), 1e-5f);
  auto e = Floats(j["items"][1]["embedding"]);
  auto want = Floats(text["text_embeds_normalized"]);
  EXPECT_LE(MaxAbsDiff(e.data(), want.data(), 64), 1e-5f);
  // Content pieces then </s> (id 1); the padding is not printed.
  auto ids = text["input_ids"].get<std::vector<int>>();
  ids.resize(10);
  EXPECT_EQ(j["items"][1]["tokens"].get<std::vector<int>>(), ids);
}

TEST(EncodeCommandTest, PlainOutputHasOneLinePerInput) {
  EncodeCommandOptions o;
  o.model_dir = ClipTinyModelDir();
  o.texts = {"tab\there"};
  o.tokens = true;
  ::testing::internal::CaptureStdout();
  ASSERT_EQ(RunEncodeCommand(o), 0);
  std::string out = ::testing::internal::GetCapturedStdout();
  auto lines = Split(out, '\n');
  ASSERT_GE(lines.size(), 2u);
  EXPECT_TRUE(StartsWith(lines[0], "text\ttab\\there\t"));
  EXPECT_EQ(Split(Split(lines[0], '\t')[2], ' ').size(), 32u);
  EXPECT_TRUE(StartsWith(lines[1], "tokens\ttab\\there\t49406 "));
}

TEST(EncodeCommandTest, ErrorsAreOneLineAndExitOne) {
  EncodeCommandOptions o;
  o.model_dir = "/nonexistent";
  o.texts = {"x"};
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(RunEncodeCommand(o), 1);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(StartsWith(err, "qimg encode: "));
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1);
  o.model_dir = ClipTinyModelDir();
  o.texts.clear();
  o.images = {"/nonexistent.png"};
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(RunEncodeCommand(o), 1);
  err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("/nonexistent.png"), std::string::npos);
  o.images.clear();
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(RunEncodeCommand(o), 1);
  ::testing::internal::GetCapturedStderr();
}

}  // namespace
}  // namespace qimg
