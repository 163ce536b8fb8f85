// `qimg models …` (list, download, import, verify) and the download step that
// `qimg init-config --download-models` shares with `qimg models download`.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "app/config.h"

namespace qimg {

struct ModelDownloadFlags {
  bool image = false, text = false, object = false;
  bool from_cache = false;
  bool force = false;
  std::vector<std::string> names;  // catalog names or repo ids
};

// Installs the selected models (progress on stderr), appending one SPEC §12.3 record per model
// to `records`. Returns the first failure; models installed before it stay installed.
Status DownloadModelsForCli(const Config& config, const ModelDownloadFlags& flags,
                            nlohmann::ordered_json* records);

}  // namespace qimg
