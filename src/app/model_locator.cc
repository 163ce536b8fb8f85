#include "app/model_locator.h"

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
  return Status::Unavailable(std::string(ModelKindName(kind)) + " model '" + s +
                             "' is not installed (looked in " + root +
                             "); install it with `qimg models download --" + ModelKindName(kind) +
                             "` or `qimg models import DIR --" + ModelKindName(kind) + "`");
}

}  // namespace qimg
