// The models root on disk (SPEC §12.2, with §15.41 fixed):
//
//   <models_dir>/<name>/manifest.json   model, base_model, revision, license, task, base_subdir,
//                                       finetuned_subdir, then kind, commit, source, installed_at
//                                       and files [{path, size, sha256}] (paths relative to the
//                                       model folder, e.g. "base/model.safetensors")
//   <models_dir>/<name>/README.md       three lines: model, base repo, task
//   <models_dir>/<name>/base/…          only the files the engine reads (IsModelFile)
//   <models_dir>/<name>/finetuned/…     optional, preferred when it holds config.json
//
// Installs are atomic: files are gathered in <models_dir>/.<name>.tmp-<pid>/, the manifest is
// written last, and the folder is renamed into place, so a folder without a dot in front is
// always complete. Names starting with '.' are never models.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/model_catalog.h"
#include "base/status.h"

namespace qimg {

// True for files the engine needs from a Hugging Face folder: config.json, *.safetensors (and
// model.safetensors.index.json), tokenizer and preprocessor files. Never pickled or foreign
// weight formats (.bin, .pt, .ckpt, .h5, .msgpack, .onnx) and never files in subfolders.
bool IsModelFile(const std::string& relative_path);
// IsModelFile over a whole listing, and when the transformers weights (model.safetensors or a
// sharded model.safetensors.index.json) are there, only those: other *.safetensors in the same
// repo (open_clip_model.safetensors, fp16 copies) would double the download for nothing.
std::vector<std::string> SelectModelFiles(const std::vector<std::string>& relative_paths);

struct ManifestFile {
  std::string path;  // relative to the model folder
  int64_t size = 0;
  std::string sha256;
};

struct ModelManifest {
  std::string model;       // local name
  std::string base_model;  // Hugging Face repo, or the source folder for imports
  std::string revision;
  std::string license = "unknown";
  std::string task;
  std::string base_subdir = "base";
  std::string finetuned_subdir = "finetuned";
  std::string kind;        // image, text, object
  std::string commit;      // hub commit (or the HF cache snapshot), empty for plain folders
  std::string source;      // "hub <endpoint>", "hf-cache <path>", "import <path>"
  std::string installed_at;
  std::vector<ManifestFile> files;
};

// Pretty JSON, 2-space indent, trailing newline; keys in the order above.
std::string ManifestToJson(const ModelManifest& m);
// Corrupt for text that is not a manifest object.
Result<ModelManifest> ManifestFromJson(const std::string& text);
Result<ModelManifest> ReadManifest(const std::string& model_dir);

// A folder being assembled under the models root, renamed into place by Commit().
class ModelStaging {
 public:
  // Creates (or takes over, to resume) <models_dir>/.<name>.tmp-<pid>. A leftover staging folder
  // of a process that is gone is adopted, so its complete files and .part files are reused;
  // AlreadyExists when a live process is installing the same name.
  static Result<ModelStaging> Begin(const std::string& models_dir, const std::string& name);
  ModelStaging(ModelStaging&&) = default;

  const std::string& dir() const { return dir_; }
  std::string base_dir() const;
  // Hashes the files under base/, writes README.md and manifest.json (with those files), then
  // renames the folder to <models_dir>/<name>, replacing an existing install only after the new
  // one is complete.
  Result<std::string> Commit(ModelManifest manifest);
  // Removes the staging folder (after a failure that left nothing worth resuming).
  void Abandon();

 private:
  ModelStaging(std::string models_dir, std::string name, std::string dir)
      : models_dir_(std::move(models_dir)), name_(std::move(name)), dir_(std::move(dir)) {}
  std::string models_dir_, name_, dir_;
};

// Copies (hard-links when on the same file system) the model files of `src_dir` into `dest_dir`,
// dereferencing symlinks (the HF cache links snapshots to blobs). NotFound when src has no
// config.json or no *.safetensors (pickled-only folders are refused with that reason).
Result<std::vector<std::string>> CopyModelFiles(const std::string& src_dir, const std::string& dest_dir);

// The Hugging Face cache root: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub.
std::string HfCacheDir();
// The snapshot folder for repo@revision in an HF cache: a commit hash names the snapshot
// directly; otherwise refs/<revision> holds the commit (never "newest by mtime"). NotFound
// saying what is there when the repo, ref or snapshot is missing.
Result<std::string> FindHfSnapshot(const std::string& cache_dir, const std::string& repo,
                                   const std::string& revision, std::string* commit);

struct ImportRequest {
  std::string source_dir;          // HF model folder, or an HF cache repo folder models--org--name
  std::string name;                // local name
  std::optional<ModelKind> kind;   // guessed from config.json model_type when missing
  std::string repo;                // for the manifest (catalog repo when known)
  std::string revision;
  std::string commit;
  std::string license = "unknown";
  std::string task;
  std::string source;              // manifest "source"
};
struct InstallResult {
  std::string kind, model_name, base_hf_model, revision, base_dir, source;
  int files = 0;
  int64_t bytes = 0;
};
// Installs a local folder as <models_dir>/<name> (atomically, see above).
Result<InstallResult> ImportModel(const std::string& models_dir, const ImportRequest& request);

// model_type in config.json → image (clip, siglip…), text (bert, xlm-roberta…), object (detr…).
std::optional<ModelKind> GuessModelKind(const std::string& model_dir);

struct InstalledModel {
  std::string name, dir, kind, repo, revision, commit, checkpoint_dir;
  bool has_manifest = false;
  int64_t bytes = 0;  // on disk, every file under the folder
};
// Complete model folders under models_dir (dot-folders skipped), sorted by name.
Result<std::vector<InstalledModel>> ListInstalledModels(const std::string& models_dir);

struct VerifyProblem {
  std::string file;    // path relative to the model folder ("manifest.json" when that is bad)
  std::string reason;  // "missing", "size 12 != 34", "sha256 mismatch", …
};
struct VerifyReport {
  int files_checked = 0;
  bool has_checksums = false;  // false for folders installed by hand or by the original qimg
  std::vector<VerifyProblem> problems;  // empty = all good
};
// Re-hashes every file the manifest lists and checks that a checkpoint (config.json) is there.
Result<VerifyReport> VerifyModel(const std::string& model_dir);

// Sum of file sizes under a folder (symlinks not followed).
int64_t DiskUsage(const std::string& dir);
// rm -rf (symlinks removed, never followed).
Status RemoveTree(const std::string& path);

}  // namespace qimg
