#include "nn/clip_config.h"

#include <gtest/gtest.h>

#include "nn/test_util.h"

namespace qimg::nn {
namespace {

TEST(ClipConfigTest, LoadsClipTiny) {
  auto c = LoadClipConfig(testing::ClipTinyModelDir() + "/config.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->projection_dim, 32);
  EXPECT_EQ(c->text.hidden_size, 64);
  EXPECT_EQ(c->text.num_heads, 4);
  EXPECT_EQ(c->text.head_dim(), 16);
  EXPECT_EQ(c->text.num_layers, 2);
  EXPECT_EQ(c->text.intermediate_size, 256);
  EXPECT_EQ(c->text.eos_token_id, 49407);
  EXPECT_EQ(c->text.act, Activation::kQuickGelu);
  EXPECT_FLOAT_EQ(c->text.layer_norm_eps, 1e-5f);
  EXPECT_EQ(c->vision.image_size, 32);
  EXPECT_EQ(c->vision.patch_size, 8);
  EXPECT_EQ(c->vision.num_positions(), 17);
}

TEST(ClipConfigTest, DefaultsAreTransformersDefaults) {
  auto c = ParseClipConfig(R"({"text_config":{},"vision_config":{"hidden_act":"gelu"}})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->projection_dim, 512);
  EXPECT_EQ(c->text.hidden_size, 512);
  EXPECT_EQ(c->text.num_heads, 8);
  EXPECT_EQ(c->vision.hidden_size, 768);
  EXPECT_EQ(c->vision.patch_size, 32);
  EXPECT_EQ(c->vision.image_size, 224);
  EXPECT_EQ(c->vision.act, Activation::kGelu);
}

TEST(ClipConfigTest, RejectsBadValues) {
  EXPECT_FALSE(ParseClipConfig("not json").ok());
  EXPECT_FALSE(ParseClipConfig(R"({"vision_config":{}})").ok());
  EXPECT_FALSE(ParseClipConfig(R"({"text_config":{"hidden_size":"x"},"vision_config":{}})").ok());
  EXPECT_FALSE(ParseClipConfig(R"({"text_config":{"hidden_size":-4},"vision_config":{}})").ok());
  EXPECT_FALSE(ParseClipConfig(R"({"text_config":{"hidden_act":"relu6"},"vision_config":{}})").ok());
  auto heads = ParseClipConfig(R"({"text_config":{"hidden_size":100,"num_attention_heads":3},"vision_config":{}})");
  ASSERT_FALSE(heads.ok());
  EXPECT_NE(heads.status().message().find("divisible"), std::string::npos);
  EXPECT_FALSE(ParseClipConfig(R"({"text_config":{},"vision_config":{"image_size":100}})").ok());
}

}  // namespace
}  // namespace qimg::nn
