#include "app/model_catalog.h"

#include <gtest/gtest.h>

namespace qimg {
namespace {

TEST(ModelCatalogTest, DefaultsAreTheSpecTableInOrder) {
  const auto& c = ModelCatalog();
  ASSERT_GE(c.size(), 9u);
  EXPECT_EQ(c[0].name, "qimg-encoder-finetuned-clip-vit-large-patch14");
  EXPECT_EQ(c[0].repo, "openai/clip-vit-large-patch14");
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

TEST(ModelCatalogTest, SiglipIsMarkedUnsupported) {
  for (const char* n : {"siglip2-base-patch16-224", "siglip-base-patch16-224"}) {
    const CatalogEntry* e = FindCatalogEntry(n);
    ASSERT_NE(e, nullptr) << n;
    EXPECT_FALSE(e->supported);
    EXPECT_NE(e->note.find("needs SigLIP support"), std::string::npos);
  }
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
