// models list / download / import / verify (docs/models.md).
#include "cli/model_commands.h"

#include <unistd.h>

#include <algorithm>

#include "app/model_catalog.h"
#include "app/model_download.h"
#include "app/model_store.h"
#include "base/fs.h"
#include "base/text.h"
#include "cli/cli_state.h"

namespace qimg {
namespace {

using ojson = nlohmann::ordered_json;

std::string HumanSize(int64_t bytes) {
  if (bytes >= 1000LL * 1000 * 1000) return FormatFixed(static_cast<double>(bytes) / 1e9, 1) + " GB";
  if (bytes >= 1000LL * 1000) return FormatFixed(static_cast<double>(bytes) / 1e6, 0) + " MB";
  return FormatFixed(static_cast<double>(bytes) / 1e3, 0) + " kB";
}

ojson RecordJson(const InstallResult& r) {
  ojson o = ojson::object();
  o["kind"] = r.kind;
  o["model_name"] = r.model_name;
  o["base_hf_model"] = r.base_hf_model;
  o["revision"] = r.revision;
  o["base_dir"] = r.base_dir;
  o["source"] = r.source;
  o["files"] = r.files;
  o["bytes"] = r.bytes;
  return o;
}

std::string RecordLine(const InstallResult& r) {
  if (r.source == "installed") return r.model_name + ": already installed (" + r.base_dir + ")\n";
  return "installed " + r.model_name + " (" + r.kind + ", " + r.base_hf_model +
         (r.revision.empty() ? "" : "@" + r.revision) + ") in " + DirName(r.base_dir) + ": " +
         std::to_string(r.files) + " files, " + HumanSize(r.bytes) + "\n";
}

// Which installed models the config uses, e.g. {"image"} for embed.model.
std::vector<std::string> InUse(const Config& c, const std::string& name) {
  std::vector<std::string> uses;
  if (Trim(c.embed.model) == name) uses.push_back("image");
  if (Trim(c.embed.text_model) == name) uses.push_back("text");
  return uses;
}

struct ListArgs {
  bool available = false, json = false;
};
struct ImportArgs {
  std::string dir, name, revision;
  bool image = false, text = false, object = false, force = false, json = false;
};
struct VerifyArgs {
  std::vector<std::string> names;
  bool json = false;
};

int ListAvailable(const Config& config, bool json) {
  auto installed = ListInstalledModels(config.models_dir);
  if (!installed.ok()) return ReportError(installed.status());
  auto is_installed = [&](const std::string& name) {
    return std::any_of(installed->begin(), installed->end(),
                       [&](const InstalledModel& m) { return m.name == name && !m.checkpoint_dir.empty(); });
  };
  if (json) {
    ojson arr = ojson::array();
    for (const auto& e : ModelCatalog()) {
      ojson o = ojson::object();
      o["kind"] = ModelKindName(e.kind);
      o["name"] = e.name;
      o["repo"] = e.repo;
      o["revision"] = e.revision;
      o["task"] = e.task;
      o["license"] = e.license;
      o["dim"] = e.dim;
      o["approx_bytes"] = e.approx_bytes;
      o["quality"] = e.quality;
      o["cost"] = e.cost;
      o["note"] = e.note;
      o["default"] = e.default_for_kind;
      o["supported"] = e.supported;
      o["installed"] = is_installed(e.name);
      arr.push_back(o);
    }
    Print(PrettyJson(arr));
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : ModelCatalog()) {
    rows.push_back({ModelKindName(e.kind), e.name, e.repo, "~" + HumanSize(e.approx_bytes), e.quality, e.cost,
                    e.license, is_installed(e.name) ? "yes" : "no", e.note});
  }
  Print(RenderTable("available models (install: qimg models download NAME)",
                    {"kind", "name", "repo", "size", "quality", "cost", "license", "installed", "note"}, rows));
  return 0;
}

int ListInstalled(const Config& config, bool json) {
  auto installed = ListInstalledModels(config.models_dir);
  if (!installed.ok()) return ReportError(installed.status());
  if (json) {
    ojson arr = ojson::array();
    for (const auto& m : *installed) {
      ojson o = ojson::object();
      o["name"] = m.name;
      o["kind"] = m.kind;
      o["repo"] = m.repo;
      o["revision"] = m.revision;
      o["commit"] = m.commit;
      o["size_bytes"] = m.bytes;
      o["path"] = m.dir;
      o["checkpoint_dir"] = m.checkpoint_dir;
      o["in_use"] = InUse(config, m.name);
      arr.push_back(o);
    }
    Print(PrettyJson(arr));
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : *installed) {
    rows.push_back({m.name, m.kind, m.repo, m.revision, HumanSize(m.bytes), Join(InUse(config, m.name), ", ")});
  }
  Print(RenderTable("installed models in " + config.models_dir,
                    {"name", "kind", "repo", "revision", "size", "in use"}, rows));
  if (installed->empty()) Print("(none; see `qimg models list --available`)\n");
  return 0;
}

int RunImport(const Config& config, const ImportArgs& a) {
  int kinds = a.image + a.text + a.object;
  if (kinds > 1) return ReportError(Status::InvalidArgument("give at most one of --image, --text, --object"));
  ImportRequest req;
  req.source_dir = AbsolutePath(ExpandUser(a.dir));
  req.revision = a.revision;
  if (a.image) req.kind = ModelKind::kImage;
  if (a.text) req.kind = ModelKind::kText;
  if (a.object) req.kind = ModelKind::kObject;
  // An HF cache repo folder names its repo: models--org--name.
  std::string base = BaseName(req.source_dir);
  const CatalogEntry* entry = nullptr;
  if (StartsWith(base, "models--")) {
    std::string repo = base.substr(8);
    size_t sep = repo.find("--");
    if (sep != std::string::npos) repo = repo.substr(0, sep) + "/" + repo.substr(sep + 2);
    req.repo = repo;
    entry = FindCatalogEntry(repo);
  }
  req.name = a.name;
  if (req.name.empty() && req.kind == ModelKind::kImage && !Trim(config.embed.model).empty() &&
      Trim(config.embed.model).find('/') == std::string::npos)
    req.name = Trim(config.embed.model);  // fills the slot the config names
  if (req.name.empty() && req.kind == ModelKind::kText && !Trim(config.embed.text_model).empty() &&
      Trim(config.embed.text_model).find('/') == std::string::npos)
    req.name = Trim(config.embed.text_model);
  if (req.name.empty() && req.kind == ModelKind::kObject) req.name = DefaultCatalogEntry(ModelKind::kObject)->name;
  if (req.name.empty() && entry) req.name = entry->name;
  if (req.name.empty()) req.name = base;
  if (entry && req.repo == entry->repo) {
    req.license = entry->license;
    req.task = entry->task;
  }
  if (const CatalogEntry* named = FindCatalogEntry(req.name); named && named->name == req.name) {
    if (req.license == "unknown") req.license = named->license;
    if (req.task.empty()) req.task = named->task;
  }
  if (!a.force && StatPath(JoinPath(config.models_dir, req.name)).exists)
    return ReportError(Status::AlreadyExists("model " + req.name + " is already installed in " +
                                             JoinPath(config.models_dir, req.name) + " (use --force to replace it)"));
  auto r = ImportModel(config.models_dir, req);
  if (!r.ok()) return ReportError(r.status());
  if (a.json) Print(PrettyJson(RecordJson(*r)));
  else Print(RecordLine(*r));
  return 0;
}

int RunVerify(const Config& config, const VerifyArgs& a) {
  std::vector<std::string> names = a.names;
  if (names.empty()) {
    auto installed = ListInstalledModels(config.models_dir);
    if (!installed.ok()) return ReportError(installed.status());
    for (const auto& m : *installed) names.push_back(m.name);
  }
  bool all_ok = true;
  ojson arr = ojson::array();
  std::string text;
  for (const auto& name : names) {
    std::string dir = JoinPath(config.models_dir, name);
    ojson o = ojson::object();
    o["name"] = name;
    VerifyReport rep;
    if (!StatPath(dir).is_dir) {
      rep.problems.push_back({"", "not installed"});
    } else {
      auto r = VerifyModel(dir);
      if (!r.ok()) return ReportError(r.status());
      rep = *r;
    }
    o["files_checked"] = rep.files_checked;
    o["has_checksums"] = rep.has_checksums;
    ojson problems = ojson::array();
    for (const auto& p : rep.problems) {
      problems.push_back({{"file", p.file}, {"reason", p.reason}});
      std::fprintf(stderr, "qimg: %s: %s%s%s\n", name.c_str(), p.file.c_str(), p.file.empty() ? "" : ": ",
                   p.reason.c_str());
    }
    o["problems"] = problems;
    o["ok"] = rep.problems.empty();
    all_ok &= rep.problems.empty();
    arr.push_back(o);
    if (rep.problems.empty()) {
      text += "ok   " + name + " (" + std::to_string(rep.files_checked) + " files" +
              (rep.has_checksums ? "" : ", no checksums recorded") + ")\n";
    } else {
      text += "BAD  " + name + ":";
      for (const auto& p : rep.problems) text += " " + (p.file.empty() ? "" : p.file + " ") + "(" + p.reason + ")";
      text += "\n";
    }
  }
  if (a.json) {
    ojson out = ojson::object();
    out["ok"] = all_ok;
    out["models"] = arr;
    Print(PrettyJson(out));
  } else {
    Print(names.empty() ? "no models installed\n" : text);
  }
  return all_ok ? 0 : 1;
}

}  // namespace

Status DownloadModelsForCli(const Config& config, const ModelDownloadFlags& flags, ojson* records) {
  QIMG_ASSIGN_OR_RETURN(auto entries, SelectModelsToInstall(config, flags.image, flags.text, flags.object, flags.names));
  ModelInstallOptions options;
  options.from_cache = flags.from_cache;
  options.force = flags.force;
  options.progress_tty = ::isatty(STDERR_FILENO) == 1;
  for (const CatalogEntry* e : entries) {
    if (!e->supported) {
      std::fprintf(stderr, "qimg: note: %s (%s): %s; it is downloaded but cannot be used yet\n", e->name.c_str(),
                   e->repo.c_str(), e->note.c_str());
    }
    auto r = InstallModel(config, *e, options);
    if (!r.ok()) return r.status().WithContext(e->name);
    records->push_back(RecordJson(*r));
  }
  return Status::Ok();
}

void RegisterModelCommands(CLI::App& app, CliState& state) {
  auto* models = app.add_subcommand("models", "list, download, import and verify model checkpoints");
  models->alias("model");
  models->require_subcommand(1);

  auto la = std::make_shared<ListArgs>();
  auto* list = models->add_subcommand("list", "installed models (or, with --available, the built-in table)");
  list->alias("ls");
  list->add_flag("--available", la->available, "the built-in models with size, quality and licence");
  list->add_flag("--json", la->json, "JSON output");
  list->callback([&state, la] {
    state.action = [&state, la] {
      auto config = state.LoadConfigFile();
      if (!config.ok()) return ReportError(config.status());
      return la->available ? ListAvailable(*config, la->json) : ListInstalled(*config, la->json);
    };
  });

  auto da = std::make_shared<ModelDownloadFlags>();
  auto dj = std::make_shared<bool>(false);
  auto* dl = models->add_subcommand(
      "download", "fetch models from Hugging Face (only config, safetensors and tokenizer files)");
  dl->add_option("model", da->names, "built-in model names or repo ids (default: the configured models)");
  dl->add_flag("--image", da->image, "the image encoder named by embed.model");
  dl->add_flag("--text", da->text, "the text encoder named by embed.text_model");
  dl->add_flag("--object", da->object, "the object detector");
  dl->add_flag("--from-cache", da->from_cache, "copy from the local Hugging Face cache instead of the network");
  dl->add_flag("--force", da->force, "reinstall models that are already installed");
  dl->add_flag("--json", *dj, "JSON output");
  dl->callback([&state, da, dj] {
    state.action = [&state, da, dj] {
      auto config = state.LoadConfigFile();
      if (!config.ok()) return ReportError(config.status());
      ojson records = ojson::array();
      Status s = DownloadModelsForCli(*config, *da, &records);
      if (*dj) {
        if (s.ok()) Print(PrettyJson(records));
      } else {
        std::string text;
        for (const auto& r : records) {
          InstallResult ir;
          ir.kind = r["kind"];
          ir.model_name = r["model_name"];
          ir.base_hf_model = r["base_hf_model"];
          ir.revision = r["revision"];
          ir.base_dir = r["base_dir"];
          ir.source = r["source"];
          ir.files = r["files"];
          ir.bytes = r["bytes"];
          text += RecordLine(ir);
        }
        Print(text);
      }
      return s.ok() ? 0 : ReportError(s);
    };
  });

  auto ia = std::make_shared<ImportArgs>();
  auto* imp = models->add_subcommand("import", "install a local Hugging Face model folder (or HF cache repo folder)");
  imp->add_option("dir", ia->dir, "folder with config.json and *.safetensors, or models--org--name")->required();
  imp->add_flag("--image", ia->image, "install it as the image encoder (name: embed.model)");
  imp->add_flag("--text", ia->text, "install it as the text encoder (name: embed.text_model)");
  imp->add_flag("--object", ia->object, "install it as the object detector");
  imp->add_option("--name", ia->name, "local model name (default: the configured name for the kind)");
  imp->add_option("--revision", ia->revision, "for an HF cache repo folder: the ref or commit (default main)");
  imp->add_flag("--force", ia->force, "replace an installed model of that name");
  imp->add_flag("--json", ia->json, "JSON output");
  imp->callback([&state, ia] {
    state.action = [&state, ia] {
      auto config = state.LoadConfigFile();
      if (!config.ok()) return ReportError(config.status());
      return RunImport(*config, *ia);
    };
  });

  auto va = std::make_shared<VerifyArgs>();
  auto* ver = models->add_subcommand("verify", "re-hash installed model files against their manifest");
  ver->add_option("model", va->names, "model names (default: all installed)");
  ver->add_flag("--json", va->json, "JSON output");
  ver->callback([&state, va] {
    state.action = [&state, va] {
      auto config = state.LoadConfigFile();
      if (!config.ok()) return ReportError(config.status());
      return RunVerify(*config, *va);
    };
  });
}

}  // namespace qimg
