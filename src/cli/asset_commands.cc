// get, multi-get, facts ls, facts rm.
#include "app/report_json.h"
#include "base/text.h"
#include "cli/cli_state.h"

namespace qimg {
namespace {

using ojson = nlohmann::ordered_json;

ojson FactJson(const FactRow& f, bool with_rel) { return FactRowJson(f, with_rel); }

struct AssetArgs {
  std::string identifier;
  std::vector<std::string> identifiers;
  std::string glob;
  std::string source;
  std::string asset;
  OutputFlags out;
  bool json = false;
};

}  // namespace

void RegisterAssetCommands(CLI::App& app, CliState& state) {
  auto a = std::make_shared<AssetArgs>();
  auto* get = app.add_subcommand("get", "show one asset by id, id prefix, path or qimg:// path");
  get->add_option("identifier", a->identifier)->required();
  AddOutputFlags(get, &a->out);
  get->callback([&state, a] {
    state.action = [&state, a] {
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      auto r = (*e)->Get(a->identifier);
      if (!r.ok()) return ReportError(r.status());
      Print(RenderResults(*r, a->out.mode(), a->out.debug, a->out.preview));
      return 0;
    };
  });

  auto* mg = app.add_subcommand("multi-get", "show several assets (ids, paths, and/or --glob)");
  mg->add_option("identifiers", a->identifiers);
  mg->add_option("--glob", a->glob, "shell pattern over absolute or relative paths");
  AddOutputFlags(mg, &a->out);
  mg->callback([&state, a] {
    state.action = [&state, a] {
      if (a->identifiers.empty() && a->glob.empty())
        return ReportError(Status::InvalidArgument("multi-get needs identifiers or --glob"));
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      std::optional<std::string> g;
      if (!a->glob.empty()) g = a->glob;
      auto r = (*e)->MultiGet(a->identifiers, g);
      if (!r.ok()) return ReportError(r.status());
      Print(RenderResults(*r, a->out.mode(), a->out.debug, a->out.preview));
      return 0;
    };
  });

  auto* facts = app.add_subcommand("facts", "machine-made facts about assets");
  facts->require_subcommand(1);
  RegisterFactsExtractCommand(facts, state);
  auto* ls = facts->add_subcommand("ls", "list facts of one asset, or of all");
  ls->alias("list");
  ls->add_option("identifier", a->identifier);
  ls->add_flag("--json", a->json, "JSON output");
  ls->callback([&state, a] {
    state.action = [&state, a] {
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      std::optional<std::string> id;
      if (!Trim(a->identifier).empty()) id = a->identifier;
      auto rows = (*e)->ListFacts(id);
      if (!rows.ok()) return ReportError(rows.status());
      if (a->json) {
        ojson arr = ojson::array();
        for (const auto& f : *rows) arr.push_back(FactJson(f, !id));
        Print(PrettyJson(arr));
      } else {
        std::vector<std::vector<std::string>> t;
        for (const auto& f : *rows) {
          std::string value = f.value_text && !f.value_text->empty() ? *f.value_text : f.value_json.value_or("");
          t.push_back({f.asset_id, f.rel_path, std::to_string(f.id), f.fact_type, f.key.value_or(""),
                       value, f.confidence ? FormatPyFloat(*f.confidence) : "", f.source});
        }
        Print(RenderTable(std::string("facts: ") + (id ? *id : "all"),
                          {"asset_id", "rel_path", "id", "type", "key", "value", "confidence", "source"}, t));
      }
      return 0;
    };
  });
  auto* rm = facts->add_subcommand("rm", "remove facts made by one source");
  rm->add_option("--source", a->source, "provenance name, e.g. ocr_tesseract@5")->required();
  rm->add_option("--asset", a->asset, "only this asset");
  rm->add_flag("--json", a->json, "JSON output");
  rm->callback([&state, a] {
    state.action = [&state, a] {
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      std::optional<std::string> id;
      if (!a->asset.empty()) id = a->asset;
      std::optional<std::string> resolved;
      auto n = (*e)->RemoveFacts(a->source, id, &resolved);
      if (!n.ok()) return ReportError(n.status());
      ojson o = ojson::object();
      o["removed"] = *n;
      o["source"] = a->source;
      o["asset_id"] = resolved ? ojson(*resolved) : ojson(nullptr);
      Print(a->json ? PrettyJson(o) : RenderObject(o));
      return 0;
    };
  });
}

}  // namespace qimg
