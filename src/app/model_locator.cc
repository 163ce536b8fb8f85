#include "app/model_locator.h"

#include <unistd.h>

#include <cstdio>

#include "app/model_catalog.h"
#include "app/model_download.h"
#include "base/fs.h"
#include "base/text.h"

namespace qimg {

const char* ModelKindName(ModelKind kind) {
  switch (kind) {
    case ModelKind::kImage: return "image";
    case ModelKind::kText: return "text";
    case ModelKind::kObject: return "object";
    case ModelKind::kReranker: return "reranker";
  }
  return "?";
}

namespace {
bool HasConfig(const std::string& dir) { return StatPath(JoinPath(dir, "config.json")).is_regular; }
}  // namespace

Result<std::string> LocateModel(const Config& config, const std::string& setting, ModelKind kind) {
  std::string s = Trim(setting);
  if (s.empty()) return Status::InvalidArgument(std::string("no ") + ModelKindName(kind) + " model configured");
  // A path (absolute, relative with a '/', or ~).
  if (s.find('/') != std::string::npos || s[0] == '~') {
    std::string dir = AbsolutePath(ExpandUser(s));
    for (const char* sub : {"finetuned", "base", ""}) {
      std::string d = *sub ? JoinPath(dir, sub) : dir;
      if (HasConfig(d)) return d;
    }
    return Status::Unavailable(std::string(ModelKindName(kind)) + " model folder " + dir +
                               " has no config.json (expected a Hugging Face model folder)");
  }
  std::string root = JoinPath(config.models_dir, s);
  for (const char* sub : {"finetuned", "base", ""}) {
    std::string d = *sub ? JoinPath(root, sub) : root;
    if (HasConfig(d)) return d;
  }
  const CatalogEntry* entry = FindCatalogEntry(s);
  if (entry && entry->name == s && config.models.auto_download) {
    ModelInstallOptions options;
    options.progress_tty = ::isatty(STDERR_FILENO) == 1;
    std::fprintf(stderr, "qimg: %s model '%s' is missing; downloading it (models.auto_download is on)\n",
                 ModelKindName(kind), s.c_str());
    auto installed = InstallModel(config, *entry, options);
    if (!installed.ok()) return installed.status().WithContext("auto-download of " + s);
    for (const char* sub : {"finetuned", "base", ""}) {
      std::string d = *sub ? JoinPath(root, sub) : root;
      if (HasConfig(d)) return d;
    }
  }
  // The hints are the exact commands that install this name (docs/models.md).
  std::string hint = entry && entry->name == s
      ? "install it with `qimg models download " + s + "` (add --from-cache to copy it from the "
        "Hugging Face cache)"
      : "it is not a built-in model; install a Hugging Face folder under that name with "
        "`qimg models import DIR --" + std::string(ModelKindName(kind)) + " --name " + s + "`";
  return Status::Unavailable(std::string(ModelKindName(kind)) + " model '" + s +
                             "' is not installed (looked in " + root + "); " + hint);
}

}  // namespace qimg
