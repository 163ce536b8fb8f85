// The built-in model table (SPEC §12.1 plus the alternatives docs/models.md compares). Each entry
// names a Hugging Face repository, the revision qimg pins, the local folder name under the models
// root, and the published numbers people choose by. Pure data: nothing here touches the network.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/model_locator.h"

namespace qimg {

struct CatalogEntry {
  ModelKind kind;
  std::string name;      // local folder name under the models root
  std::string repo;      // Hugging Face "org/name"
  std::string revision;  // branch, tag or commit to fetch
  std::string task;      // manifest "task" (SPEC §12.2)
  std::string license;   // manifest "license"
  std::string family;    // "clip", "siglip", "siglip2", "bert", "xlm-roberta", "detr"
  int dim = 0;           // embedding size (0 for the detector)
  int64_t approx_bytes = 0;  // safetensors + tokenizer files, roughly
  std::string quality;   // published quality, e.g. "COCO 5k text->image R@1 46.5%"
  std::string cost;      // e.g. "~80 GFLOPs/image"
  std::string note;      // "default", "needs SigLIP support (planned)", …
  bool default_for_kind = false;  // the default of new configurations for its kind
  bool supported = true;          // src/nn can run it today
};

// Every entry, defaults first (image, text, object), then the alternatives.
const std::vector<CatalogEntry>& ModelCatalog();
// By local name, or by repo id ("org/name", case-insensitive). nullptr when unknown.
const CatalogEntry* FindCatalogEntry(const std::string& name_or_repo);
// The default entry for a kind (image: SigLIP 2 B/16; text, object: SPEC §12.1); nullptr for
// kinds without one.
const CatalogEntry* DefaultCatalogEntry(ModelKind kind);
// "image" → kImage, …; nullopt for anything else.
std::optional<ModelKind> ParseModelKind(const std::string& text);

}  // namespace qimg
