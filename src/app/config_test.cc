#include "app/config.h"

#include <gtest/gtest.h>

namespace qimg {

TEST(ConfigTest, DefaultsAndOverrides) {
  auto c = ParseConfig("db_path: /tmp/x.sqlite3\nsearch:\n  rrf_k: 10\n  w_context: 2.5\n", "t.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->db_path, "/tmp/x.sqlite3");
  EXPECT_EQ(c->search.rrf_k, 10);
  EXPECT_DOUBLE_EQ(c->search.w_context, 2.5);
  EXPECT_EQ(c->search.top_k_retrieval, 100);
}

TEST(ConfigTest, ErrorsNameTheKey) {
  auto bad_type = ParseConfig("search:\n  rrf_k: many\n", "t.yaml");
  ASSERT_FALSE(bad_type.ok());
  EXPECT_NE(bad_type.status().message().find("search.rrf_k"), std::string::npos);
  auto unknown = ParseConfig("embed:\n  modle: x\n", "t.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("embed.modle: unknown key"), std::string::npos);
  auto device = ParseConfig("embed:\n  device: tpu\n", "t.yaml");
  ASSERT_FALSE(device.ok());
  auto yaml = ParseConfig("search: [1, 2\n", "t.yaml");
  ASSERT_FALSE(yaml.ok());
  auto boolean = ParseConfig("compute_sha256: maybe\n", "t.yaml");
  ASSERT_FALSE(boolean.ok());
  EXPECT_NE(boolean.status().message().find("compute_sha256"), std::string::npos);
}

TEST(ConfigTest, DefaultYamlRoundTrips) {
  Config d = DefaultConfig();
  auto c = ParseConfig(DefaultConfigYaml(d), "t.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->db_path, d.db_path);
  EXPECT_EQ(c->embed.model, d.embed.model);
}

TEST(ConfigTest, NewConfigsDefaultToSiglip2ExistingOnesKeepClip) {
  EXPECT_EQ(DefaultConfig().embed.model, "siglip2-base-patch16-224");
  // init-config writes the model out, so the new default sticks.
  EXPECT_NE(DefaultConfigYaml(DefaultConfig()).find("model: siglip2-base-patch16-224"),
            std::string::npos);
  // A file that names no image model was written for the original default.
  auto c = ParseConfig("search:\n  rrf_k: 60\n", "t.yaml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->embed.model, kLegacyImageModel);
  auto named = ParseConfig("embed:\n  model: clip-vit-b-32-laion2b\n", "t.yaml");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->embed.model, "clip-vit-b-32-laion2b");
}

TEST(ConfigTest, FactsKeys) {
  auto c = ParseConfig("ocr:\n  languages: eng+deu\nobjects:\n  model: my-detr\n"
                       "facts:\n  tag_threshold: 0.2\n  tag_top_k: 3\n", "t.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->ocr.languages, "eng+deu");
  EXPECT_EQ(c->objects.model, "my-detr");
  EXPECT_DOUBLE_EQ(c->facts.tag_threshold, 0.2);
  EXPECT_EQ(c->facts.tag_top_k, 3);
  EXPECT_EQ(DefaultConfig().objects.model, "qimg-object-detector-detr-resnet-50");
  EXPECT_FALSE(ParseConfig("ocr:\n  languages: ../../etc/x\n", "t.yaml").ok());
  EXPECT_FALSE(ParseConfig("facts:\n  tag_threshold: 2\n", "t.yaml").ok());
  EXPECT_FALSE(ParseConfig("objects:\n  modle: x\n", "t.yaml").ok());
}

TEST(ConfigTest, QueryExpansionAndRankBonus) {
  EXPECT_EQ(DefaultConfig().search.expansion, "wordnet");
  EXPECT_EQ(DefaultConfig().search.rank_bonus, "weighted");
  auto c = ParseConfig("search:\n  expansion: Original\n  rank_bonus: none\n", "t.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->search.expansion, "original");
  EXPECT_EQ(c->search.rank_bonus, "none");
  auto bad = ParseConfig("search:\n  expansion: llm\n", "t.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("search.expansion"), std::string::npos);
  EXPECT_FALSE(ParseConfig("search:\n  rank_bonus: [1]\n", "t.yaml").ok());
}

}  // namespace qimg
