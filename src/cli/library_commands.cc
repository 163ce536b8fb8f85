// init-config, collection, context, update, status, cleanup.
#include <unistd.h>

#include "app/report_json.h"
#include "base/fs.h"
#include "base/text.h"
#include "cli/cli_state.h"
#include "cli/model_commands.h"

namespace qimg {
namespace {

using ojson = nlohmann::ordered_json;

ojson CollectionJson(const CollectionRow& c) {
  ojson o = ojson::object();
  o["id"] = c.id;
  o["name"] = c.name;
  o["root_path"] = c.root_path;
  o["mask"] = c.mask;
  o["created_at"] = c.created_at;
  return o;
}

ojson ContextJson(const ContextRow& c) {
  ojson o = ojson::object();
  o["id"] = c.id;
  o["virtual_path"] = c.virtual_path;
  o["text"] = c.text;
  o["created_at"] = c.created_at;
  return o;
}

ojson IssueJson(const ScanIssueRow& r) { return ScanIssueJson(r); }

void Emit(const ojson& obj, bool json) { Print(json ? PrettyJson(obj) : RenderObject(obj)); }

struct CollectionArgs {
  std::string root, name, mask = kDefaultMask, old_name, new_name;
  bool json = false;
};
struct ContextArgs {
  std::string vpath, text, prefix;
  bool json = false;
};
struct InitArgs {
  std::string path;
  bool json = false;
  bool download_models = false;
  ModelDownloadFlags models;
};

}  // namespace

void RegisterLibraryCommands(CLI::App& app, CliState& state) {
  // init-config
  auto init = std::make_shared<InitArgs>();
  auto* ic = app.add_subcommand("init-config", "write the default config file if it does not exist");
  ic->add_option("--path", init->path, "where to write it (default: the config path)");
  ic->add_flag("--json", init->json, "JSON output");
  ic->add_flag("--download-models", init->download_models, "also install the models (see `qimg models download`)");
  ic->add_flag("--image", init->models.image, "with --download-models: only the image encoder (and any other kinds given)");
  ic->add_flag("--text", init->models.text, "with --download-models: the text encoder");
  ic->add_flag("--object", init->models.object, "with --download-models: the object detector");
  ic->add_flag("--from-cache", init->models.from_cache, "with --download-models: copy from the Hugging Face cache");
  ic->callback([&state, init] {
    state.action = [&state, init] {
      std::string path = !init->path.empty() ? init->path
                         : !state.config_path.empty() ? state.config_path : DefaultConfigPath();
      path = AbsolutePath(ExpandUser(path));
      bool existed = StatPath(path).exists;
      auto config = LoadConfig(path, true);
      if (!config.ok()) return ReportError(config.status());
      ojson o = ojson::object();
      o["config_path"] = path;
      o["created"] = !existed;
      o["downloaded"] = ojson::array();
      Status models = Status::Ok();
      if (init->download_models) models = DownloadModelsForCli(*config, init->models, &o["downloaded"]);
      if (init->json) Print(PrettyJson(o));
      else Print("config: " + path + (existed ? " (exists, unchanged)" : " (created)") + "\n");
      if (!models.ok()) return ReportError(models);
      if (!init->json) {
        for (const auto& r : o["downloaded"])
          Print("model: " + r["model_name"].get<std::string>() + " in " + r["base_dir"].get<std::string>() + "\n");
      }
      return 0;
    };
  });

  // collection
  auto* coll = app.add_subcommand("collection", "manage collections (folders of images)");
  coll->alias("collections");
  coll->require_subcommand(1);
  auto ca = std::make_shared<CollectionArgs>();
  auto* add = coll->add_subcommand("add", "register a folder as a collection");
  add->add_option("root_path", ca->root, "folder to index")->required();
  add->add_option("--name", ca->name, "collection name")->required();
  add->add_option("--mask", ca->mask, "glob of files to index")->capture_default_str();
  add->add_flag("--json", ca->json, "JSON output");
  add->callback([&state, ca] {
    state.action = [&state, ca] {
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      auto row = (*e)->AddCollection(ca->root, ca->name, ca->mask);
      if (!row.ok()) return ReportError(row.status());
      ojson o = CollectionJson(*row);
      o.erase("created_at");
      Emit(o, ca->json);
      return 0;
    };
  });
  auto* list = coll->add_subcommand("list", "list collections");
  list->alias("ls");
  list->add_flag("--json", ca->json, "JSON output");
  list->callback([&state, ca] {
    state.action = [&state, ca] {
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      auto rows = (*e)->ListCollections();
      if (!rows.ok()) return ReportError(rows.status());
      if (ca->json) {
        ojson arr = ojson::array();
        for (const auto& c : *rows) arr.push_back(CollectionJson(c));
        Print(PrettyJson(arr));
      } else {
        std::vector<std::vector<std::string>> t;
        for (const auto& c : *rows) t.push_back({c.name, c.root_path, c.mask});
        Print(RenderTable("collections", {"name", "root_path", "mask"}, t));
      }
      return 0;
    };
  });
  auto* rm = coll->add_subcommand("remove", "remove a collection and everything indexed from it");
  rm->alias("rm");
  rm->add_option("name", ca->name, "collection name")->required();
  rm->callback([&state, ca] {
    state.action = [&state, ca] {
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      auto n = (*e)->RemoveCollection(ca->name);
      if (!n.ok()) return ReportError(n.status());
      Print("removed " + ca->name + " (" + std::to_string(*n) + " assets)\n");
      return 0;
    };
  });
  auto* ren = coll->add_subcommand("rename", "rename a collection (its contexts move with it)");
  ren->add_option("old_name", ca->old_name)->required();
  ren->add_option("new_name", ca->new_name)->required();
  ren->callback([&state, ca] {
    state.action = [&state, ca] {
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      Status s = (*e)->RenameCollection(ca->old_name, ca->new_name);
      if (!s.ok()) return ReportError(s);
      Print("renamed " + ca->old_name + " -> " + ca->new_name + "\n");
      return 0;
    };
  });

  // context
  auto* ctx = app.add_subcommand("context", "human notes on folders, inherited by everything below");
  ctx->require_subcommand(1);
  auto xa = std::make_shared<ContextArgs>();
  auto* cadd = ctx->add_subcommand("add", "add or replace the note on a virtual path");
  cadd->add_option("virtual_path", xa->vpath, "qimg://<collection>[/folder]")->required();
  cadd->add_option("text", xa->text, "the note")->required();
  cadd->add_flag("--json", xa->json, "JSON output");
  cadd->callback([&state, xa] {
    state.action = [&state, xa] {
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      auto row = (*e)->AddContext(xa->vpath, xa->text);
      if (!row.ok()) return ReportError(row.status());
      ojson o = ojson::object();
      o["id"] = row->id;
      o["virtual_path"] = row->virtual_path;
      o["text"] = row->text;
      Emit(o, xa->json);
      return 0;
    };
  });
  auto* clist = ctx->add_subcommand("list", "list contexts");
  clist->alias("ls");
  clist->add_option("--prefix", xa->prefix, "only this path and below");
  clist->add_flag("--json", xa->json, "JSON output");
  clist->callback([&state, xa] {
    state.action = [&state, xa] {
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      std::optional<std::string> p;
      if (!xa->prefix.empty()) p = xa->prefix;
      auto rows = (*e)->ListContexts(p);
      if (!rows.ok()) return ReportError(rows.status());
      if (xa->json) {
        ojson arr = ojson::array();
        for (const auto& c : *rows) arr.push_back(ContextJson(c));
        Print(PrettyJson(arr));
      } else {
        std::vector<std::vector<std::string>> t;
        for (const auto& c : *rows) t.push_back({c.virtual_path, c.text});
        Print(RenderTable("contexts", {"virtual_path", "text"}, t));
      }
      return 0;
    };
  });
  auto* crm = ctx->add_subcommand("rm", "remove the note on a virtual path");
  crm->alias("remove");
  crm->add_option("virtual_path", xa->vpath)->required();
  crm->callback([&state, xa] {
    state.action = [&state, xa] {
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      auto removed = (*e)->RemoveContext(xa->vpath);
      if (!removed.ok()) return ReportError(removed.status());
      if (!*removed) return ReportError(Status::NotFound("no context at " + Trim(xa->vpath)));
      Print("removed " + Trim(xa->vpath) + "\n");
      return 0;
    };
  });

  // update
  auto uj = std::make_shared<bool>(false);
  auto* upd = app.add_subcommand("update", "scan collections and index new or changed images");
  upd->add_flag("--json", *uj, "JSON output");
  upd->callback([&state, uj] {
    state.action = [&state, uj] {
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      UpdateOptions opts;
      opts.progress = ::isatty(STDERR_FILENO) == 1;
      auto st = (*e)->Update(opts);
      if (!st.ok()) return ReportError(st.status());
      ojson o = ojson::object();
      o["added"] = st->added;
      o["changed"] = st->changed;
      o["deleted"] = st->deleted;
      o["scanned"] = st->scanned;
      o["changed_ids"] = st->changed_ids.size();
      o["unchanged"] = st->unchanged;
      o["skipped"] = st->skipped;
      ojson issues = ojson::array();
      for (const auto& i : st->issues) issues.push_back(IssueJson(i));
      if (*uj) {
        o["issues"] = issues;
        o["seconds"] = st->seconds;
        Print(PrettyJson(o));
      } else {
        Print(RenderObject(o));
        for (const auto& i : st->issues)
          std::fprintf(stderr, "qimg: skipped %s: %s\n", SanitizeUtf8(i.abs_path).c_str(), i.reason.c_str());
      }
      return 0;
    };
  });

  // status
  auto sj = std::make_shared<bool>(false);
  auto* stc = app.add_subcommand("status", "what is indexed, and which files could not be");
  stc->add_flag("--json", *sj, "JSON output");
  stc->callback([&state, sj] {
    state.action = [&state, sj] {
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      auto r = (*e)->GetStatus();
      if (!r.ok()) return ReportError(r.status());
      ojson o = StatusJson(*r, *sj);
      if (*sj) {
        Print(PrettyJson(o));
      } else {
        std::string text = RenderObject(o);
        if (!r->issues.empty()) {
          std::vector<std::vector<std::string>> t;
          for (const auto& i : r->issues) t.push_back({i.collection, i.rel_path, i.reason});
          text += RenderTable("files not indexed", {"collection", "rel_path", "reason"}, t);
        }
        Print(text);
      }
      return 0;
    };
  });

  // cleanup
  auto cj = std::make_shared<bool>(false);
  auto* cl = app.add_subcommand("cleanup", "purge deleted assets and orphaned rows (no model needed)");
  cl->add_flag("--json", *cj, "JSON output");
  cl->callback([&state, cj] {
    state.action = [&state, cj] {
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      auto c = (*e)->Cleanup();
      if (!c.ok()) return ReportError(c.status());
      ojson o = ojson::object();
      o["deleted_assets"] = c->deleted_assets;
      o["orphan_context_links"] = c->orphan_context_links;
      o["orphan_facts"] = c->orphan_facts;
      o["orphan_lexical_docs"] = c->orphan_lexical_docs;
      o["orphan_fts_rows"] = c->orphan_fts_rows;
      o["orphan_vectors"] = c->orphan_vectors;
      o["stale_scan_issues"] = c->stale_scan_issues;
      Emit(o, *cj);
      return 0;
    };
  });
}

}  // namespace qimg
