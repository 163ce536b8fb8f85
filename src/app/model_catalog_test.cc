#include "app/model_catalog.h"

#include <gtest/gtest.h>

namespace qimg {
namespace {

TEST(ModelCatalogTest, DefaultsComeFirst) {
  const auto& c = ModelCatalog();
  ASSERT_GE(c.size(), 9u);
  // New configurations default to SigLIP 2 B/16; SPEC §12.1's image slot is still listed.
  EXPECT_EQ(c[0].name, "siglip2-base-patch16-224");
  EXPECT_EQ(c[0].repo, "google/siglip2-base-patch16-224");
  EXPECT_TRUE(c[0].supported);
  EXPECT_EQ(c[1].name, "qimg-text-encoder-bge-m3");
  EXPECT_EQ(c[1].repo, "BAAI/bge-m3");
  EXPECT_EQ(c[2].name, "qimg-object-detector-detr-resnet-50");
  EXPECT_EQ(c[2].revision, "no_timm");
  EXPECT_EQ(DefaultCatalogEntry(ModelKind::kImage), &c[0]);
  EXPECT_EQ(DefaultCatalogEntry(ModelKind::kText), &c[1]);
  EXPECT_EQ(DefaultCatalogEntry(ModelKind::kObject), &c[2]);
  EXPECT_EQ(DefaultCatalogEntry(ModelKind::kReranker), nullptr);
}

TEST(ModelCatalogTest, FindsByNameOrRepoCaseInsensitively) {
  const CatalogEntry* e = FindCatalogEntry("laion/clip-vit-b-32-laion2b-s34b-b79k");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->name, "clip-vit-b-32-laion2b");
  EXPECT_EQ(FindCatalogEntry("clip-vit-b-32-laion2b"), e);
  // The repo of the default image slot resolves to the default-named folder.
  EXPECT_EQ(FindCatalogEntry("openai/clip-vit-large-patch14")->name,
            "qimg-encoder-finetuned-clip-vit-large-patch14");
  EXPECT_EQ(FindCatalogEntry("nope/nothing"), nullptr);
}

TEST(ModelCatalogTest, SiglipIsSupportedWithPublishedNumbers) {
  for (const char* n : {"siglip2-base-patch16-224", "siglip-base-patch16-224"}) {
    const CatalogEntry* e = FindCatalogEntry(n);
    ASSERT_NE(e, nullptr) << n;
    EXPECT_TRUE(e->supported);
    EXPECT_EQ(e->dim, 768);
    EXPECT_EQ(e->cost, "~35 GFLOPs/image");
  }
  EXPECT_NE(FindCatalogEntry("google/siglip2-base-patch16-224")->quality.find("52.1%"),
            std::string::npos);
  EXPECT_NE(FindCatalogEntry("google/siglip-base-patch16-224")->quality.find("47.8%"),
            std::string::npos);
  const CatalogEntry* clip = FindCatalogEntry("qimg-encoder-finetuned-clip-vit-large-patch14");
  ASSERT_NE(clip, nullptr);
  EXPECT_FALSE(clip->default_for_kind);
  EXPECT_NE(clip->quality.find("36.5%"), std::string::npos);
  EXPECT_TRUE(FindCatalogEntry("BAAI/bge-small-en-v1.5")->supported);
  EXPECT_EQ(FindCatalogEntry("BAAI/bge-small-en-v1.5")->dim, 384);
}

TEST(ModelCatalogTest, ParsesKinds) {
  EXPECT_EQ(ParseModelKind(" Image "), ModelKind::kImage);
  EXPECT_EQ(ParseModelKind("object"), ModelKind::kObject);
  EXPECT_FALSE(ParseModelKind("video").has_value());
}

}  // namespace
}  // namespace qimg
