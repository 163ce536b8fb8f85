// Where a configured model's checkpoint lives (SPEC §12.2). A model setting (embed.model,
// embed.text_model, …) is either a path to a Hugging Face folder, or a name under the models
// root: <models_dir>/<name>/{finetuned,base,.}, the first holding config.json. Nothing is
// downloaded here unless the config says models.auto_download: true (and the name is a built-in
// model); otherwise a missing model is a clear error that names the command that installs it.
#pragma once

#include <string>

#include "app/config.h"
#include "base/status.h"

namespace qimg {

enum class ModelKind { kImage, kText, kObject, kReranker };

const char* ModelKindName(ModelKind kind);

// The folder holding config.json for `setting`. Unavailable (with the install command in the
// message) when the model is not installed.
Result<std::string> LocateModel(const Config& config, const std::string& setting, ModelKind kind);

}  // namespace qimg
