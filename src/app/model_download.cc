#include "app/model_download.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "app/hub_client.h"
#include "base/fs.h"
#include "base/hash.h"
#include "base/text.h"

namespace qimg {
namespace {

std::string Megabytes(int64_t bytes) { return FormatFixed(static_cast<double>(bytes) / 1e6, 1) + " MB"; }

bool IsFallbackModel(const std::string& setting) {
  std::string s = Trim(setting);
  return s == "fallback-clip" || s == "fallback-hist";
}

Result<const CatalogEntry*> ConfiguredEntry(const std::string& key, const std::string& setting, ModelKind kind) {
  if (IsFallbackModel(setting) || Trim(setting).empty()) return DefaultCatalogEntry(kind);
  const CatalogEntry* e = FindCatalogEntry(setting);
  if (e) return e;
  return Status::InvalidArgument(key + " is '" + Trim(setting) + "', which is not a built-in model, so it cannot be "
                                 "downloaded by name; install it with `qimg models import DIR --" +
                                 ModelKindName(kind) + "` (see `qimg models list --available`)");
}

// Progress on stderr: a live line on a terminal, otherwise one line per finished file.
class Progress {
 public:
  Progress(bool tty, bool quiet) : tty_(tty), quiet_(quiet) {}
  void Line(const std::string& text) const {
    if (!quiet_) std::fprintf(stderr, "%s\n", text.c_str());
  }
  HubProgress For(const std::string& file) {
    if (quiet_ || !tty_) return nullptr;
    return [this, file](int64_t done, int64_t total) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_ < std::chrono::milliseconds(100) && done != total) return;
      last_ = now;
      std::string pct = total > 0 ? "  " + std::to_string(done * 100 / total) + "%" : "";
      std::fprintf(stderr, "\r\033[K  %s  %s / %s%s", file.c_str(), Megabytes(done).c_str(),
                   total > 0 ? Megabytes(total).c_str() : "?", pct.c_str());
      std::fflush(stderr);
    };
  }
  void FileDone(const std::string& file, int64_t bytes, bool reused) const {
    if (quiet_) return;
    if (tty_) std::fprintf(stderr, "\r\033[K");
    std::fprintf(stderr, "  %s %s (%s)\n", reused ? "kept" : "fetched", file.c_str(), Megabytes(bytes).c_str());
  }

 private:
  bool tty_, quiet_;
  std::chrono::steady_clock::time_point last_{};
};

// A file already in the staging folder (from an interrupted run) that still matches the hub.
bool AlreadyComplete(const std::string& path, const HubFile& f) {
  FileStat st = StatPath(path);
  if (!st.is_regular || !f.size || st.size != *f.size) return false;
  if (!f.sha256.empty()) {
    auto sha = Sha256File(path);
    return sha.ok() && *sha == f.sha256;
  }
  if (!f.git_sha1.empty()) {
    auto git = GitBlobSha1File(path);
    return git.ok() && *git == f.git_sha1;
  }
  return false;
}

Result<InstallResult> InstallFromCache(const Config& config, const CatalogEntry& e, const Progress& progress) {
  std::string commit;
  QIMG_ASSIGN_OR_RETURN(std::string snap, FindHfSnapshot(HfCacheDir(), e.repo, e.revision, &commit));
  progress.Line("qimg: copying " + e.repo + " from the Hugging Face cache " + snap);
  ImportRequest req;
  req.source_dir = snap;
  req.name = e.name;
  req.kind = e.kind;
  req.repo = e.repo;
  req.revision = e.revision;
  req.commit = commit;
  req.license = e.license;
  req.task = e.task;
  req.source = "hf-cache " + snap;
  return ImportModel(config.models_dir, req);
}

Result<InstallResult> InstallFromHub(const Config& config, const CatalogEntry& e, Progress& progress) {
  HubClient hub(HubOptionsFromEnv());
  QIMG_ASSIGN_OR_RETURN(HubRepoInfo info, hub.GetRepoInfo(e.repo, e.revision));
  std::vector<std::string> listed;
  for (const auto& f : info.files) listed.push_back(f.path);
  std::vector<std::string> wanted = SelectModelFiles(listed);
  bool has_config = false, has_weights = false;
  for (const auto& w : wanted) {
    has_config |= w == "config.json";
    has_weights |= EndsWith(ToLowerAscii(w), ".safetensors");
  }
  if (!has_config) return Status::NotFound(e.repo + " at " + e.revision + " has no config.json");
  if (!has_weights)
    return Status::NotFound(e.repo + " at " + e.revision + " has no *.safetensors weights (qimg never loads "
                            "pickled .bin/.pt files)");
  // Pin every file to the commit the listing came from, so a push during the download cannot mix
  // two versions of the model.
  const std::string rev = info.commit.empty() ? e.revision : info.commit;
  std::vector<HubFile> files;
  int64_t total = 0;
  for (const auto& f : info.files) {
    if (std::find(wanted.begin(), wanted.end(), f.path) == wanted.end()) continue;
    HubFile hf = f;
    if (!hf.size || (hf.sha256.empty() && hf.git_sha1.empty())) QIMG_RETURN_IF_ERROR(hub.FillFileMeta(e.repo, rev, &hf));
    total += hf.size.value_or(0);
    files.push_back(std::move(hf));
  }
  QIMG_ASSIGN_OR_RETURN(ModelStaging staging, ModelStaging::Begin(config.models_dir, e.name));
  progress.Line("qimg: downloading " + e.repo + " (" + e.revision + (info.commit.empty() ? "" : ", commit " + info.commit.substr(0, 12)) +
                ") from " + hub.options().endpoint + ": " + std::to_string(files.size()) + " files, " +
                Megabytes(total));
  for (const auto& f : files) {
    std::string dest = JoinPath(staging.base_dir(), f.path);  // f.path passed IsModelFile: a fixed name
    QIMG_RETURN_IF_ERROR(MakeDirs(DirName(dest)));
    if (AlreadyComplete(dest, f)) {
      progress.FileDone(f.path, f.size.value_or(0), true);
      continue;
    }
    ::unlink(dest.c_str());
    auto sha = hub.Download(e.repo, rev, f, dest, progress.For(f.path));
    if (!sha.ok()) {
      // The staging folder stays for the next run to resume; it is never taken for a model.
      return sha.status();
    }
    progress.FileDone(f.path, StatPath(dest).size, false);
  }
  ModelManifest m;
  m.base_model = e.repo;
  m.revision = e.revision;
  m.license = e.license;
  m.task = e.task;
  m.kind = ModelKindName(e.kind);
  m.commit = info.commit;
  m.source = "hub " + hub.options().endpoint;
  QIMG_ASSIGN_OR_RETURN(std::string dir, staging.Commit(m));
  InstallResult r;
  r.kind = m.kind;
  r.model_name = e.name;
  r.base_hf_model = e.repo;
  r.revision = e.revision;
  r.base_dir = JoinPath(dir, "base");
  r.source = m.source;
  r.files = static_cast<int>(files.size());
  r.bytes = DiskUsage(r.base_dir);
  return r;
}

}  // namespace

Result<std::vector<const CatalogEntry*>> SelectModelsToInstall(const Config& config, bool image, bool text,
                                                               bool object, const std::vector<std::string>& names) {
  std::vector<const CatalogEntry*> out;
  auto add = [&out](const CatalogEntry* e) {
    if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
  };
  for (const auto& n : names) {
    const CatalogEntry* e = FindCatalogEntry(n);
    if (!e) return Status::InvalidArgument("unknown model '" + n + "' (see `qimg models list --available`; "
                                           "other Hugging Face folders can be installed with `qimg models import DIR`)");
    add(e);
  }
  if (!names.empty() && !image && !text && !object) return out;
  bool all = !image && !text && !object && names.empty();
  if (image || all) {
    QIMG_ASSIGN_OR_RETURN(const CatalogEntry* e, ConfiguredEntry("embed.model", config.embed.model, ModelKind::kImage));
    add(e);
  }
  if (text || all) {
    QIMG_ASSIGN_OR_RETURN(const CatalogEntry* e, ConfiguredEntry("embed.text_model", config.embed.text_model, ModelKind::kText));
    add(e);
  }
  if (object || all) add(DefaultCatalogEntry(ModelKind::kObject));
  return out;
}

Result<InstallResult> InstallModel(const Config& config, const CatalogEntry& e, const ModelInstallOptions& options) {
  Progress progress(options.progress_tty, options.quiet);
  std::string dir = JoinPath(config.models_dir, e.name);
  if (!options.force) {
    auto installed = ListInstalledModels(config.models_dir);
    if (installed.ok()) {
      for (const auto& m : *installed) {
        if (m.name != e.name || m.checkpoint_dir.empty()) continue;
        InstallResult r;
        r.kind = ModelKindName(e.kind);
        r.model_name = e.name;
        r.base_hf_model = m.repo.empty() ? e.repo : m.repo;
        r.revision = m.revision.empty() ? e.revision : m.revision;
        r.base_dir = m.checkpoint_dir;
        r.source = "installed";
        r.bytes = m.bytes;
        progress.Line("qimg: " + e.name + " is already installed in " + dir + " (use --force to reinstall)");
        return r;
      }
    }
  }
  if (options.from_cache) return InstallFromCache(config, e, progress);
  auto r = InstallFromHub(config, e, progress);
  if (r.ok() || r.status().code() != StatusCode::kIoError) return r;
  // Offline or behind a broken proxy: a copy in the HF cache is as good (SPEC §12.3 fallback).
  std::string commit;
  if (!FindHfSnapshot(HfCacheDir(), e.repo, e.revision, &commit).ok()) return r;
  progress.Line("qimg: " + r.status().message() + "; using the Hugging Face cache instead");
  return InstallFromCache(config, e, progress);
}

}  // namespace qimg
