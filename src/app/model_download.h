// Installing built-in models: from the Hugging Face Hub (hub_client), or from a local Hugging
// Face cache (`--from-cache`), into the layout of model_store.h. Used by `qimg models download`,
// `qimg init-config --download-models` and, when models.auto_download is on, by LocateModel.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/model_catalog.h"
#include "app/model_store.h"
#include "base/status.h"

namespace qimg {

struct ModelInstallOptions {
  bool from_cache = false;  // only the HF cache, never the network
  bool force = false;       // reinstall even when the model is already there
  bool progress_tty = false;  // a live progress line; otherwise one line per file
  bool quiet = false;         // nothing on stderr
};

// The catalog entries to install. Explicit `names` (local names or repo ids) win; otherwise the
// kind flags pick the configured model of that kind (embed.model, embed.text_model; the default
// detector), and no flag at all means image, text and object (SPEC §12.3). InvalidArgument for
// an unknown name, or a configured model that is not in the built-in table (it can only be
// imported).
Result<std::vector<const CatalogEntry*>> SelectModelsToInstall(const Config& config, bool image, bool text,
                                                               bool object, const std::vector<std::string>& names);

// Installs one entry as <models_dir>/<entry.name>. Already installed (and not forced): returns
// at once with source "installed". From the hub: only the files the engine needs, resumable,
// size- and checksum-verified; a network failure falls back to an HF cache copy when there is one.
Result<InstallResult> InstallModel(const Config& config, const CatalogEntry& entry,
                                   const ModelInstallOptions& options);

}  // namespace qimg
