#include "app/model_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/hash.h"
#include "base/text.h"
#include "base/time_util.h"

namespace qimg {
namespace {

using ojson = nlohmann::ordered_json;

const char* const kModelFileNames[] = {
    "config.json", "preprocessor_config.json", "model.safetensors.index.json",
    "vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json",
    "special_tokens_map.json", "added_tokens.json", "vocab.txt", "sentencepiece.bpe.model",
    "spiece.model", "tokenizer.model",
    // sentence-transformers packaging: which pooling the model was trained with (CLS or mean).
    "modules.json", "sentence_bert_config.json"};

// The only files below the top level that qimg keeps: fixed names, never a listed path, so a
// repository listing cannot make us write outside the model folder.
const char* const kModelSubpaths[] = {"1_Pooling/config.json"};

bool HasConfig(const std::string& dir) { return StatPath(JoinPath(dir, "config.json")).is_regular; }

// Names of the entries of a directory (no "." / ".."); empty when it cannot be read.
std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool ValidName(const std::string& name) {
  return !name.empty() && name[0] != '.' && name.find('/') == std::string::npos && name.size() < 200;
}

Status CopyFileBytes(const std::string& from, const std::string& to) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Status::IoError("cannot read " + from);
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    ::close(in);
    return Status::IoError("cannot write " + to);
  }
  std::vector<char> buf(1 << 20);
  Status s = Status::Ok();
  while (true) {
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0) { s = Status::IoError("cannot read " + from); break; }
    if (n == 0) break;
    ssize_t off = 0;
    while (off < n) {
      ssize_t w = ::write(out, buf.data() + off, static_cast<size_t>(n - off));
      if (w <= 0) { s = Status::IoError("cannot write " + to + " (disk full?)"); break; }
      off += w;
    }
    if (!s.ok()) break;
  }
  ::close(in);
  if (::close(out) != 0 && s.ok()) s = Status::IoError("cannot write " + to);
  return s;
}

bool ProcessAlive(long pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// Files (not folders, not .part leftovers) under dir, relative, sorted.
void CollectFiles(const std::string& root, const std::string& rel, std::vector<std::string>* out) {
  for (const std::string& n : ListDir(JoinPath(root, rel))) {
    std::string r = rel.empty() ? n : rel + "/" + n;
    FileStat st = StatPath(JoinPath(root, r));
    if (st.is_dir) CollectFiles(root, r, out);
    else if (st.is_regular && !EndsWith(n, ".part")) out->push_back(r);
  }
}

Result<std::string> SnapshotInRepoFolder(const std::string& repo_dir, const std::string& revision,
                                         std::string* commit) {
  std::string snapshots = JoinPath(repo_dir, "snapshots");
  std::string rev = Trim(revision).empty() ? "main" : Trim(revision);
  std::string c;
  bool hex40 = rev.size() == 40 && std::all_of(rev.begin(), rev.end(), [](char ch) {
                 return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
               });
  if (hex40) {
    c = rev;
  } else {
    auto ref = ReadFileToString(JoinPath(JoinPath(repo_dir, "refs"), rev), 4096);
    if (!ref.ok()) {
      std::vector<std::string> refs = ListDir(JoinPath(repo_dir, "refs"));
      return Status::NotFound("the Hugging Face cache copy " + repo_dir + " has no ref '" + rev +
                              "' (refs there: " + (refs.empty() ? "none" : Join(refs, ", ")) + ")");
    }
    c = Trim(*ref);
  }
  std::string snap = JoinPath(snapshots, c);
  if (!StatPath(snap).is_dir)
    return Status::NotFound("the Hugging Face cache copy " + repo_dir + " has no snapshot " + c +
                            " for revision '" + rev + "'");
  if (commit) *commit = c;
  return snap;
}

int RemoveEntry(const char* path, const struct stat*, int, struct FTW*) {
  return ::remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

}  // namespace

bool IsModelFile(const std::string& rel) {
  for (const char* n : kModelSubpaths) {
    if (rel == n) return true;
  }
  if (rel.empty() || rel.find('/') != std::string::npos) return false;
  for (const char* n : kModelFileNames) {
    if (rel == n) return true;
  }
  return EndsWith(ToLowerAscii(rel), ".safetensors");
}

std::vector<std::string> SelectModelFiles(const std::vector<std::string>& paths) {
  std::vector<std::string> keep;
  bool transformers_weights = false;
  for (const auto& p : paths) {
    if (p == "model.safetensors" || p == "model.safetensors.index.json") transformers_weights = true;
  }
  for (const auto& p : paths) {
    if (!IsModelFile(p)) continue;
    if (transformers_weights && EndsWith(ToLowerAscii(p), ".safetensors") && p != "model.safetensors" &&
        !(StartsWith(p, "model-") && p.find("-of-") != std::string::npos)) {
      continue;
    }
    keep.push_back(p);
  }
  std::sort(keep.begin(), keep.end());
  keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
  return keep;
}

std::string ManifestToJson(const ModelManifest& m) {
  ojson o = ojson::object();
  o["model"] = m.model;
  o["base_model"] = m.base_model;
  o["revision"] = m.revision;
  o["license"] = m.license;
  o["task"] = m.task;
  o["base_subdir"] = m.base_subdir;
  o["finetuned_subdir"] = m.finetuned_subdir;
  o["kind"] = m.kind;
  o["commit"] = m.commit;
  o["source"] = m.source;
  o["installed_at"] = m.installed_at;
  ojson files = ojson::array();
  for (const auto& f : m.files) files.push_back({{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}});
  o["files"] = files;
  return o.dump(2) + "\n";
}

Result<ModelManifest> ManifestFromJson(const std::string& text) {
  ModelManifest m;
  try {
    auto j = nlohmann::json::parse(text);
    if (!j.is_object()) return Status::Corrupt("manifest is not a JSON object");
    auto str = [&j](const char* key, std::string* out) {
      if (j.contains(key) && j[key].is_string()) *out = j[key].get<std::string>();
    };
    str("model", &m.model);
    str("base_model", &m.base_model);
    str("revision", &m.revision);
    str("license", &m.license);
    str("task", &m.task);
    str("base_subdir", &m.base_subdir);
    str("finetuned_subdir", &m.finetuned_subdir);
    str("kind", &m.kind);
    str("commit", &m.commit);
    str("source", &m.source);
    str("installed_at", &m.installed_at);
    if (j.contains("files") && j["files"].is_array()) {
      for (const auto& f : j["files"]) {
        if (!f.is_object() || !f.contains("path") || !f["path"].is_string()) continue;
        ManifestFile mf;
        mf.path = f["path"].get<std::string>();
        if (f.contains("size") && f["size"].is_number_integer()) mf.size = f["size"].get<int64_t>();
        if (f.contains("sha256") && f["sha256"].is_string()) mf.sha256 = f["sha256"].get<std::string>();
        m.files.push_back(std::move(mf));
      }
    }
  } catch (const std::exception& e) {
    return Status::Corrupt(std::string("manifest is not valid JSON: ") + e.what());
  }
  // Subfolder names come from a file: keep them inside the model folder.
  for (std::string* sub : {&m.base_subdir, &m.finetuned_subdir}) {
    if (!ValidName(*sub)) return Status::Corrupt("manifest names a bad subfolder '" + *sub + "'");
  }
  return m;
}

Result<ModelManifest> ReadManifest(const std::string& model_dir) {
  std::string path = JoinPath(model_dir, "manifest.json");
  if (!StatPath(path).is_regular) return Status::NotFound("model manifest not found: " + path);
  QIMG_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, 16 << 20));
  auto m = ManifestFromJson(text);
  if (!m.ok()) return m.status().WithContext(path);
  return m;
}

Result<ModelStaging> ModelStaging::Begin(const std::string& models_dir, const std::string& name) {
  if (!ValidName(name)) return Status::InvalidArgument("bad model name '" + name + "'");
  QIMG_RETURN_IF_ERROR(MakeDirs(models_dir));
  const std::string prefix = "." + name + ".tmp-";
  const std::string mine = JoinPath(models_dir, prefix + std::to_string(::getpid()));
  std::string adopt;
  for (const std::string& n : ListDir(models_dir)) {
    if (!StartsWith(n, prefix)) continue;
    std::string full = JoinPath(models_dir, n);
    if (full == mine) { adopt = full; continue; }
    long pid = std::strtol(n.c_str() + prefix.size(), nullptr, 10);
    if (ProcessAlive(pid))
      return Status::AlreadyExists("another qimg (pid " + std::to_string(pid) + ") is installing " + name +
                                   " into " + models_dir);
    if (adopt.empty()) adopt = full;
    else QIMG_RETURN_IF_ERROR(RemoveTree(full));
  }
  if (!adopt.empty() && adopt != mine) {
    if (::rename(adopt.c_str(), mine.c_str()) != 0) return Status::IoError("cannot take over " + adopt);
  }
  QIMG_RETURN_IF_ERROR(MakeDirs(JoinPath(mine, "base")));
  return ModelStaging(models_dir, name, mine);
}

std::string ModelStaging::base_dir() const { return JoinPath(dir_, "base"); }

Result<std::string> ModelStaging::Commit(ModelManifest m) {
  m.model = name_;
  if (m.installed_at.empty()) m.installed_at = NowIso();
  std::vector<std::string> files;
  CollectFiles(dir_, "", &files);
  m.files.clear();
  for (const auto& rel : files) {
    if (rel == "manifest.json" || rel == "README.md") continue;
    std::string full = JoinPath(dir_, rel);
    QIMG_ASSIGN_OR_RETURN(std::string sha, Sha256File(full));
    m.files.push_back({rel, StatPath(full).size, sha});
  }
  // A leftover .part would never be read, but it should not ship inside an installed model.
  std::vector<std::string> base_names = ListDir(base_dir());
  for (const auto& n : base_names) {
    if (EndsWith(n, ".part")) ::unlink(JoinPath(base_dir(), n).c_str());
  }
  if (!HasConfig(base_dir())) return Status::Corrupt("model " + name_ + " has no config.json");
  std::string readme = "# " + name_ + "\n\nBase checkpoint: " + m.base_model +
                       (m.revision.empty() ? "" : " (revision " + m.revision + ")") +
                       "\n\nTask: " + (m.task.empty() ? std::string("unknown") : m.task) + "\n";
  QIMG_RETURN_IF_ERROR(WriteFileAtomic(JoinPath(dir_, "README.md"), readme));
  QIMG_RETURN_IF_ERROR(WriteFileAtomic(JoinPath(dir_, "manifest.json"), ManifestToJson(m)));
  const std::string final_dir = JoinPath(models_dir_, name_);
  const std::string old = JoinPath(models_dir_, "." + name_ + ".old-" + std::to_string(::getpid()));
  bool replaced = false;
  if (StatPath(final_dir).exists) {
    if (::rename(final_dir.c_str(), old.c_str()) != 0) return Status::IoError("cannot move aside " + final_dir);
    replaced = true;
  }
  if (::rename(dir_.c_str(), final_dir.c_str()) != 0) {
    if (replaced) (void)::rename(old.c_str(), final_dir.c_str());
    return Status::IoError("cannot rename " + dir_ + " to " + final_dir);
  }
  if (replaced) (void)RemoveTree(old);
  return final_dir;
}

void ModelStaging::Abandon() { (void)RemoveTree(dir_); }

Result<std::vector<std::string>> CopyModelFiles(const std::string& src_dir, const std::string& dest_dir) {
  if (!HasConfig(src_dir)) return Status::NotFound(src_dir + " has no config.json (not a Hugging Face model folder)");
  std::vector<std::string> names;
  for (const auto& n : ListDir(src_dir)) {
    if (StatPath(JoinPath(src_dir, n)).is_regular) names.push_back(n);
  }
  for (const char* sub : kModelSubpaths) {
    if (StatPath(JoinPath(src_dir, sub)).is_regular) names.push_back(sub);
  }
  std::vector<std::string> picked = SelectModelFiles(names);
  bool weights = std::any_of(picked.begin(), picked.end(),
                             [](const std::string& n) { return EndsWith(ToLowerAscii(n), ".safetensors"); });
  if (!weights)
    return Status::NotFound(src_dir + " has no *.safetensors weights (qimg never loads pickled .bin/.pt files; "
                            "convert them to safetensors first)");
  QIMG_RETURN_IF_ERROR(MakeDirs(dest_dir));
  for (const auto& n : picked) {
    QIMG_ASSIGN_OR_RETURN(std::string real, RealPath(JoinPath(src_dir, n)));  // HF cache: link → blob
    std::string to = JoinPath(dest_dir, n);
    QIMG_RETURN_IF_ERROR(MakeDirs(DirName(to)));
    ::unlink(to.c_str());
    // A hard link costs nothing; across file systems (or on a file we may not link) copy instead.
    if (::link(real.c_str(), to.c_str()) != 0) QIMG_RETURN_IF_ERROR(CopyFileBytes(real, to));
  }
  return picked;
}

std::string HfCacheDir() {
  auto env = [](const char* n) {
    const char* v = std::getenv(n);
    return v ? Trim(v) : std::string();
  };
  std::string v = env("HF_HUB_CACHE");
  if (v.empty()) v = env("HUGGINGFACE_HUB_CACHE");
  if (!v.empty()) return AbsolutePath(ExpandUser(v));
  std::string home = env("HF_HOME");
  if (!home.empty()) return JoinPath(AbsolutePath(ExpandUser(home)), "hub");
  std::string xdg = env("XDG_CACHE_HOME");
  if (!xdg.empty()) return JoinPath(JoinPath(AbsolutePath(ExpandUser(xdg)), "huggingface"), "hub");
  return AbsolutePath(ExpandUser("~/.cache/huggingface/hub"));
}

Result<std::string> FindHfSnapshot(const std::string& cache_dir, const std::string& repo,
                                   const std::string& revision, std::string* commit) {
  std::string repo_dir = JoinPath(cache_dir, "models--" + ReplaceAll(repo, "/", "--"));
  if (!StatPath(repo_dir).is_dir)
    return Status::NotFound("no copy of " + repo + " in the Hugging Face cache " + cache_dir +
                            " (set HF_HUB_CACHE or HF_HOME if it lives elsewhere)");
  return SnapshotInRepoFolder(repo_dir, revision, commit);
}

std::optional<ModelKind> GuessModelKind(const std::string& model_dir) {
  auto text = ReadFileToString(JoinPath(model_dir, "config.json"), 16 << 20);
  if (!text.ok()) return std::nullopt;
  std::string type;
  try {
    auto j = nlohmann::json::parse(*text);
    if (j.is_object() && j.contains("model_type") && j["model_type"].is_string())
      type = ToLowerAscii(j["model_type"].get<std::string>());
  } catch (const std::exception&) {
    return std::nullopt;
  }
  for (const char* t : {"clip", "siglip", "siglip2", "chinese_clip", "clip_vision_model"})
    if (type == t) return ModelKind::kImage;
  for (const char* t : {"bert", "xlm-roberta", "roberta", "nomic_bert", "distilbert", "mpnet", "e5"})
    if (type == t) return ModelKind::kText;
  for (const char* t : {"detr", "conditional_detr", "deformable_detr", "owlvit", "owlv2", "yolos"})
    if (type == t) return ModelKind::kObject;
  return std::nullopt;
}

Result<InstallResult> ImportModel(const std::string& models_dir, const ImportRequest& req) {
  std::string src = AbsolutePath(ExpandUser(req.source_dir));
  if (!StatPath(src).is_dir) return Status::NotFound("no such folder: " + src);
  std::string commit = req.commit;
  std::string revision = req.revision;
  // An HF cache repo folder (models--org--name): take the snapshot its ref names.
  if (StatPath(JoinPath(src, "snapshots")).is_dir && !HasConfig(src)) {
    QIMG_ASSIGN_OR_RETURN(src, SnapshotInRepoFolder(src, revision.empty() ? "main" : revision, &commit));
    if (revision.empty()) revision = "main";
  }
  if (!HasConfig(src)) {
    for (const char* sub : {"finetuned", "base"}) {
      if (HasConfig(JoinPath(src, sub))) { src = JoinPath(src, sub); break; }
    }
  }
  std::optional<ModelKind> kind = req.kind ? req.kind : GuessModelKind(src);
  if (!HasConfig(src)) return Status::NotFound(src + " has no config.json (not a Hugging Face model folder)");
  if (!kind) return Status::InvalidArgument("cannot tell what kind of model " + src + " is; pass --image, --text or --object");
  QIMG_ASSIGN_OR_RETURN(ModelStaging staging, ModelStaging::Begin(models_dir, req.name));
  auto copied = CopyModelFiles(src, staging.base_dir());
  if (!copied.ok()) {
    staging.Abandon();
    return copied.status();
  }
  ModelManifest m;
  m.base_model = req.repo.empty() ? src : req.repo;
  m.revision = revision;
  m.license = req.license;
  m.task = req.task;
  m.kind = ModelKindName(*kind);
  m.commit = commit;
  m.source = req.source.empty() ? "import " + src : req.source;
  auto dir = staging.Commit(m);
  if (!dir.ok()) {
    staging.Abandon();
    return dir.status();
  }
  InstallResult r;
  r.kind = m.kind;
  r.model_name = req.name;
  r.base_hf_model = m.base_model;
  r.revision = revision;
  r.base_dir = JoinPath(*dir, "base");
  r.source = m.source;
  r.files = static_cast<int>(copied->size());
  r.bytes = DiskUsage(r.base_dir);
  return r;
}

Result<std::vector<InstalledModel>> ListInstalledModels(const std::string& models_dir) {
  std::vector<InstalledModel> out;
  for (const std::string& n : ListDir(models_dir)) {
    if (n.empty() || n[0] == '.') continue;
    std::string dir = JoinPath(models_dir, n);
    if (!StatPath(dir).is_dir) continue;
    InstalledModel im;
    im.name = n;
    im.dir = dir;
    std::string fine = "finetuned", base = "base";
    auto m = ReadManifest(dir);
    if (m.ok()) {
      im.has_manifest = true;
      im.kind = m->kind;
      im.repo = m->base_model;
      im.revision = m->revision;
      im.commit = m->commit;
      fine = m->finetuned_subdir;
      base = m->base_subdir;
    }
    for (const std::string& sub : {fine, base, std::string()}) {
      std::string d = sub.empty() ? dir : JoinPath(dir, sub);
      if (HasConfig(d)) { im.checkpoint_dir = d; break; }
    }
    if (!im.has_manifest && im.checkpoint_dir.empty()) continue;
    if (im.kind.empty() && !im.checkpoint_dir.empty()) {
      auto k = GuessModelKind(im.checkpoint_dir);
      if (k) im.kind = ModelKindName(*k);
    }
    im.bytes = DiskUsage(dir);
    out.push_back(std::move(im));
  }
  return out;
}

Result<VerifyReport> VerifyModel(const std::string& model_dir) {
  VerifyReport report;
  auto m = ReadManifest(model_dir);
  if (!m.ok()) {
    report.problems.push_back({"manifest.json", m.status().code() == StatusCode::kNotFound ? "missing" : m.status().message()});
    return report;
  }
  report.has_checksums = !m->files.empty();
  bool has_config = false;
  for (const auto& f : m->files) {
    if (f.path.find("..") != std::string::npos || StartsWith(f.path, "/")) {
      report.problems.push_back({f.path, "path outside the model folder"});
      continue;
    }
    std::string full = JoinPath(model_dir, f.path);
    FileStat st = StatPath(full);
    ++report.files_checked;
    if (!st.is_regular) { report.problems.push_back({f.path, "missing"}); continue; }
    if (st.size != f.size) {
      report.problems.push_back({f.path, "size " + std::to_string(st.size) + ", expected " + std::to_string(f.size)});
      continue;
    }
    auto sha = Sha256File(full);
    if (!sha.ok()) { report.problems.push_back({f.path, sha.status().message()}); continue; }
    if (*sha != f.sha256) report.problems.push_back({f.path, "sha256 mismatch"});
    if (BaseName(f.path) == "config.json") has_config = true;
  }
  if (!has_config && report.has_checksums) report.problems.push_back({"config.json", "not listed in the manifest"});
  return report;
}

int64_t DiskUsage(const std::string& dir) {
  int64_t total = 0;
  for (const std::string& n : ListDir(dir)) {
    std::string p = JoinPath(dir, n);
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) total += DiskUsage(p);
    else if (S_ISREG(st.st_mode)) total += st.st_size;
  }
  return total;
}

Status RemoveTree(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return Status::Ok();
  if (::nftw(path.c_str(), RemoveEntry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
    return Status::IoError("cannot remove " + path);
  return Status::Ok();
}

}  // namespace qimg
