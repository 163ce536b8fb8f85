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

// Abridged from openai/clip-vit-base-patch32 and openai/clip-vit-large-patch14: legacy
// *_config_dict keys set to null, eos_token_id 2 (not the real EOS), many unrelated keys.
TEST(ClipConfigTest, LoadsOpenAiStyleConfigs) {
  auto b32 = ParseClipConfig(R"({
    "architectures": ["CLIPModel"], "initializer_factor": 1.0, "logit_scale_init_value": 2.6592,
    "model_type": "clip", "projection_dim": 512, "text_config_dict": null, "vision_config_dict": null,
    "text_config": {"_name_or_path": "", "architectures": null, "bad_words_ids": null,
      "bos_token_id": 0, "eos_token_id": 2, "hidden_act": "quick_gelu", "hidden_size": 512,
      "intermediate_size": 2048, "layer_norm_eps": 1e-05, "max_position_embeddings": 77,
      "num_attention_heads": 8, "num_hidden_layers": 12, "pad_token_id": 1, "vocab_size": 49408,
      "torch_dtype": null, "id2label": {"0": "LABEL_0"}},
    "vision_config": {"hidden_act": "quick_gelu", "hidden_size": 768, "image_size": 224,
      "intermediate_size": 3072, "num_attention_heads": 12, "num_hidden_layers": 12,
      "patch_size": 32, "layer_norm_eps": 1e-05, "dropout": 0.0}})");
  ASSERT_TRUE(b32.ok()) << b32.status().ToString();
  EXPECT_EQ(b32->text.eos_token_id, 2);
  EXPECT_EQ(b32->vision.num_positions(), 50);
  auto l14 = ParseClipConfig(R"({"projection_dim": 768,
    "text_config": {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12,
                    "num_hidden_layers": 12, "projection_dim": 768},
    "vision_config": {"hidden_size": 1024, "intermediate_size": 4096, "num_attention_heads": 16,
                      "num_hidden_layers": 24, "patch_size": 14, "image_size": 224}})");
  ASSERT_TRUE(l14.ok()) << l14.status().ToString();
  EXPECT_EQ(l14->vision.num_positions(), 257);
  EXPECT_EQ(l14->vision.head_dim(), 64);
  EXPECT_EQ(l14->text.head_dim(), 64);
}

TEST(ClipConfigTest, RejectsBadValues) {
  EXPECT_FALSE(ParseClipConfig("not json").ok());
  EXPECT_FALSE(ParseClipConfig(R"({"vision_config":{}})").ok());
  EXPECT_FALSE(ParseClipConfig(R"({"text_config":{"hidden_size":"x"},"vision_config":{}})").ok());
  EXPECT_FALSE(ParseClipConfig(R"({"text_config":{"hidden_size":-4},"vision_config":{}})").ok());
  EXPECT_FALSE(
      ParseClipConfig(R"({"text_config":{"hidden_act":"relu6"},"vision_config":{}})").ok());
  auto heads = ParseClipConfig(
      R"({"text_config":{"hidden_size":100,"num_attention_heads":3},"vision_config":{}})");
  ASSERT_FALSE(heads.ok());
  EXPECT_NE(heads.status().message().find("divisible"), std::string::npos);
  EXPECT_FALSE(ParseClipConfig(R"({"text_config":{},"vision_config":{"image_size":100}})").ok());
  EXPECT_FALSE(
      ParseClipConfig(R"({"text_config":{"vocab_size":1073741824},"vision_config":{}})").ok());
  EXPECT_FALSE(
      ParseClipConfig(R"({"text_config":{},"vision_config":{"image_size":65536,"patch_size":16}})")
          .ok());
}

}  // namespace
}  // namespace qimg::nn
