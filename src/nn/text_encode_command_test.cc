// `qimg encode` on BERT / XLM-R folders through RunEncodeCommand: JSON shape, pooling choice,
// values against the golden data, errors.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/text.h"
#include "cli/encode_command.h"
#include "nn/test_util.h"

namespace qimg {
namespace {

using nn::testing::Floats;
using nn::testing::MaxAbsDiff;

std::string Dir(const std::string& name) { return std::string(QIMG_TESTDATA_DIR) + "/" + name; }

nlohmann::json Golden(const std::string& name) {
  std::ifstream in(Dir(name) + "/golden.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

const nlohmann::json& Case(const nlohmann::json& cases, const std::string& name) {
  for (const auto& c : cases) {
    if (c["name"] == name) return c;
  }
  static nlohmann::json none;
  return none;
}

nlohmann::json RunJson(const EncodeCommandOptions& o) {
  ::testing::internal::CaptureStdout();
  int rc = RunEncodeCommand(o);
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(rc, 0);
  return rc == 0 ? nlohmann::json::parse(out) : nlohmann::json();
}

TEST(TextEncodeCommandTest, BertJsonMatchesGoldenWithEitherPooling) {
  const auto g = Golden("bert-tiny");
  const auto& tc = Case(g["tokenization"]["cases"], "accents_fr");
  const auto& fc = Case(g["forward"]["cases"], "accents_fr");
  EncodeCommandOptions o;
  o.model_dir = Dir("bert-tiny");
  o.texts = {tc["text"].get<std::string>()};
  o.json = true;
  o.tokens = true;
  auto j = RunJson(o);  // no pooling module, name without "bge": mean
  EXPECT_EQ(j["family"], "bert");
  EXPECT_EQ(j["pooling"], "mean");
  EXPECT_EQ(j["pooling_source"], "name rule");
  EXPECT_EQ(j["dim"], 64);
  EXPECT_EQ(j["max_length"], 512);
  ASSERT_EQ(j["items"].size(), 1u);
  const auto& item = j["items"][0];
  EXPECT_EQ(item["type"], "text");
  EXPECT_EQ(item["tokens"].get<std::vector<int>>(), tc["ids"].get<std::vector<int>>());
  auto e = Floats(item["embedding"]);
  EXPECT_LE(MaxAbsDiff(e.data(), Floats(fc["mean_normalized"]).data(), 64), 1e-5f);
  o.pooling = "cls";
  j = RunJson(o);
  EXPECT_EQ(j["pooling"], "cls");
  EXPECT_EQ(j["pooling_source"], "option");
  e = Floats(j["items"][0]["embedding"]);
  EXPECT_LE(MaxAbsDiff(e.data(), Floats(fc["cls_normalized"]).data(), 64), 1e-5f);
  auto raw = Floats(fc["cls"]);
  EXPECT_NEAR(e[0] * j["items"][0]["raw_norm"].get<float>(), raw[0], 1e-4f);
}

TEST(TextEncodeCommandTest, XlmRobertaPlainOutput) {
  const auto g = Golden("xlmr-tiny");
  const auto& tc = Case(g["tokenization"]["cases"], "sentence");
  const auto& fc = Case(g["forward"]["cases"], "sentence");
  EncodeCommandOptions o;
  o.model_dir = Dir("xlmr-tiny");
  o.texts = {tc["text"].get<std::string>()};
  o.pooling = "cls";
  o.tokens = true;
  ::testing::internal::CaptureStdout();
  ASSERT_EQ(RunEncodeCommand(o), 0);
  auto lines = Split(::testing::internal::GetCapturedStdout(), '\n');
  ASSERT_GE(lines.size(), 2u);
  auto fields = Split(lines[0], '\t');
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0], "text");
  std::vector<float> v;
  for (const auto& s : Split(fields[2], ' ')) v.push_back(std::stof(s));
  ASSERT_EQ(v.size(), 48u);
  EXPECT_LE(MaxAbsDiff(v.data(), Floats(fc["cls_normalized"]).data(), 48), 1e-5f);
  std::string ids;
  for (int id : tc["ids"].get<std::vector<int>>()) ids += (ids.empty() ? "" : " ") + std::to_string(id);
  EXPECT_EQ(lines[1], "tokens\t" + tc["text"].get<std::string>() + "\t" + ids);
}

TEST(TextEncodeCommandTest, Errors) {
  EncodeCommandOptions o;
  o.model_dir = Dir("bert-tiny");
  o.images = {Dir("clip-tiny/images/img01_gradient_shapes_64x48.png")};
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(RunEncodeCommand(o), 1);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("text-only"), std::string::npos) << err;
  o.images.clear();
  o.texts = {"x"};
  o.pooling = "max";
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(RunEncodeCommand(o), 1);
  err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("--pooling"), std::string::npos);
  o.model_dir = nn::testing::ClipTinyModelDir();
  o.pooling = "cls";
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(RunEncodeCommand(o), 1);
  err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("--pooling"), std::string::npos);
}

}  // namespace
}  // namespace qimg
