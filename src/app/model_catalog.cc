#include "app/model_catalog.h"

#include "base/text.h"

namespace qimg {
namespace {

constexpr int64_t kMB = 1000 * 1000;

std::vector<CatalogEntry> BuildCatalog() {
  std::vector<CatalogEntry> c;
  auto add = [&c](CatalogEntry e) { c.push_back(std::move(e)); };
  // Defaults. The image default of new configurations is SigLIP 2 B/16 (better retrieval at a
  // fifth of the cost; README "Differences"); SPEC §12.1's image slot keeps the original's local
  // name ("finetuned" is historical: nothing is fine-tuned) so existing configs and model folders
  // keep working.
  add({ModelKind::kImage, "siglip2-base-patch16-224", "google/siglip2-base-patch16-224", "main",
       "image_text_retrieval", "apache-2.0", "siglip2", 768, 1500 * kMB,
       "COCO 5k text->image R@1 52.1%", "~35 GFLOPs/image", "default image encoder", true, true});
  add({ModelKind::kText, "qimg-text-encoder-bge-m3", "BAAI/bge-m3", "main", "text_embedding", "mit",
       "xlm-roberta", 1024, 2290 * kMB, "MIRACL nDCG@10 70.0 (dense), 100+ languages",
       "568M params", "default OCR-text encoder", true, true});
  add({ModelKind::kObject, "qimg-object-detector-detr-resnet-50", "facebook/detr-resnet-50", "no_timm",
       "object_detection", "apache-2.0", "detr", 0, 167 * kMB, "COCO val2017 box AP 42.0",
       "~86 GFLOPs/image", "default object detector", true, true});
  // Alternatives (docs/models.md explains how to choose).
  add({ModelKind::kImage, "qimg-encoder-finetuned-clip-vit-large-patch14", "openai/clip-vit-large-patch14",
       "main", "image_text_retrieval", "mit", "clip", 768, 1710 * kMB,
       "COCO 5k text->image R@1 36.5%", "~162 GFLOPs/image",
       "the original's default image encoder (configs that name it keep it)", false, true});
  add({ModelKind::kImage, "clip-vit-b-32-laion2b", "laion/CLIP-ViT-B-32-laion2B-s34B-b79K", "main",
       "image_text_retrieval", "mit", "clip", 512, 605 * kMB, "COCO 5k text->image R@1 39.3%",
       "~4.4 GFLOPs/image", "fast; good on CPU", false, true});
  add({ModelKind::kImage, "clip-vit-l-14-laion2b", "laion/CLIP-ViT-L-14-laion2B-s32B-b82K", "main",
       "image_text_retrieval", "mit", "clip", 768, 1710 * kMB, "COCO 5k text->image R@1 46.5%",
       "~81 GFLOPs/image", "best supported CLIP", false, true});
  add({ModelKind::kImage, "clip-vit-large-patch14", "openai/clip-vit-large-patch14", "main",
       "image_text_retrieval", "mit", "clip", 768, 1710 * kMB, "COCO 5k text->image R@1 36.5%",
       "~162 GFLOPs/image", "same weights as the default image model", false, true});
  add({ModelKind::kText, "bge-small-en-v1.5", "BAAI/bge-small-en-v1.5", "main", "text_embedding", "mit",
       "bert", 384, 134 * kMB, "MTEB English retrieval avg 51.7", "33M params",
       "English-only OCR text; small and fast", false, true});
  add({ModelKind::kImage, "siglip-base-patch16-224", "google/siglip-base-patch16-224", "main",
       "image_text_retrieval", "apache-2.0", "siglip", 768, 813 * kMB, "COCO 5k text->image R@1 47.8%",
       "~35 GFLOPs/image", "SigLIP (English vocabulary)", false, true});
  add({ModelKind::kText, "all-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2", "main",
       "text_embedding", "apache-2.0", "bert", 384, 91 * kMB, "MTEB English retrieval avg 41.9",
       "22M params", "English-only OCR text; smallest and fastest (mean pooling)", false, true});
  add({ModelKind::kReranker, "bge-reranker-base", "BAAI/bge-reranker-base", "main", "reranking",
       "mit", "xlm-roberta", 0, 1110 * kMB, "cross-encoder (English and Chinese), see the model card",
       "278M params; one forward per candidate", "query reranker (search.reranker_model)", false,
       true});
  return c;
}

}  // namespace

const std::vector<CatalogEntry>& ModelCatalog() {
  static const std::vector<CatalogEntry> kCatalog = BuildCatalog();
  return kCatalog;
}

const CatalogEntry* FindCatalogEntry(const std::string& name_or_repo) {
  std::string key = Trim(name_or_repo);
  for (const auto& e : ModelCatalog()) {
    if (e.name == key) return &e;
  }
  // A repo id can appear twice (the default slot and its plain alias): the first wins, which is
  // the default-named folder, so `download openai/clip-vit-large-patch14` fills the default slot.
  std::string lower = ToLowerAscii(key);
  for (const auto& e : ModelCatalog()) {
    if (ToLowerAscii(e.repo) == lower) return &e;
  }
  return nullptr;
}

const CatalogEntry* DefaultCatalogEntry(ModelKind kind) {
  for (const auto& e : ModelCatalog()) {
    if (e.kind == kind && e.default_for_kind) return &e;
  }
  return nullptr;
}

std::optional<ModelKind> ParseModelKind(const std::string& text) {
  std::string t = ToLowerAscii(Trim(text));
  if (t == "image") return ModelKind::kImage;
  if (t == "text") return ModelKind::kText;
  if (t == "object") return ModelKind::kObject;
  if (t == "reranker") return ModelKind::kReranker;
  return std::nullopt;
}

}  // namespace qimg
