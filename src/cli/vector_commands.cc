// embed, vsearch, similar, repair (issue 5; SPEC §8.3, §9.1, §10.4, §10.6 with the fixes in
// docs/search.md "Vector search"). vsearch shares search's retrieval options.
#include <unistd.h>

#include <climits>
#include <nlohmann/json.hpp>

#include "cli/cli_state.h"
#include "search/filters.h"

namespace qimg {
namespace {

using ojson = nlohmann::ordered_json;

int UsageError(const Status& status) {
  std::fprintf(stderr, "qimg: error: %s\n", status.message().c_str());
  return 2;
}

struct EmbedArgs {
  bool images = false, ocr_text = false, json = false;
};

struct VsearchArgs {
  std::string query;
  int num = 10;
  bool all = false;
  double min_score = kDefaultVectorMinScore;
  FilterArgs filters;
  OutputFlags out;
};

struct SimilarArgs {
  std::string id;
  int num = 10;
  std::optional<std::string> collection;
  OutputFlags out;
};

ojson EmbedJson(const EmbedStats& s) {
  ojson o = ojson::object();
  o["embedded"] = s.embedded_images + s.embedded_ocr_text;
  o["embedded_images"] = s.embedded_images;
  o["embedded_ocr_text"] = s.embedded_ocr_text;
  o["errors"] = s.errors;
  o["skipped_missing"] = s.skipped_missing;
  o["skipped_unchanged"] = s.skipped_unchanged;
  o["model_id"] = s.model_id;
  o["dim"] = s.dim;
  o["include_images"] = s.include_images;
  o["include_ocr_text"] = s.include_ocr_text;
  o["removed_deleted"] = s.removed_deleted;
  o["ocr_text_note"] = s.ocr_text_note ? ojson(*s.ocr_text_note) : ojson(nullptr);
  o["failures"] = ojson::array();
  for (const auto& f : s.failures)
    o["failures"].push_back({{"id", f.id}, {"path", f.path}, {"reason", f.reason}});
  o["seconds"] = s.seconds;
  return o;
}

}  // namespace

void RegisterVectorCommands(CLI::App& app, CliState& state) {
  // embed
  auto ea = std::make_shared<EmbedArgs>();
  auto* embed = app.add_subcommand("embed", "compute image (and OCR text) vectors; incremental by content hash");
  embed->add_flag("--images", ea->images, "image channel only (with --ocr-text: both)");
  embed->add_flag("--ocr-text", ea->ocr_text, "OCR text channel (needs the text model)");
  embed->add_flag("--json", ea->json, "JSON output");
  embed->callback([&state, ea] {
    state.action = [&state, ea] {
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      EmbedOptions o;
      bool any = ea->images || ea->ocr_text;
      o.images = !any || ea->images;
      o.ocr_text = !any || ea->ocr_text;
      o.ocr_text_explicit = ea->ocr_text;
      o.progress = ::isatty(2) != 0;
      auto s = (*e)->Embed(o);
      if (!s.ok()) return ReportError(s.status());
      for (const auto& f : s->failures)
        std::fprintf(stderr, "qimg: embed: %s %s: %s\n", f.id.c_str(), f.path.c_str(), f.reason.c_str());
      if (s->ocr_text_note && !ea->json) std::fprintf(stderr, "qimg: embed: %s\n", s->ocr_text_note->c_str());
      ojson o2 = EmbedJson(*s);
      if (!ea->json) {
        o2.erase("failures");
        o2.erase("ocr_text_note");
      }
      Print(ea->json ? PrettyJson(o2) : RenderObject(o2));
      return 0;
    };
  });

  // vsearch
  auto va = std::make_shared<VsearchArgs>();
  auto* vs = app.add_subcommand("vsearch", "vector search: images (CLIP) and OCR text by meaning");
  vs->add_option("query", va->query, "what to look for, in words")->required();
  AddRetrievalOptions(vs, &va->num, &va->all, &va->filters);
  vs->add_option("--min-score", va->min_score,
                 "drop results below this (default 0: image scores are (cos+1)/2, real CLIP matches score ~0.6-0.68)");
  AddOutputFlags(vs, &va->out);
  vs->callback([&state, va] {
    state.action = [&state, va] {
      auto filter = ParseFilterArgs(va->filters);
      if (!filter.ok()) return UsageError(filter.status());
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      auto o = MakeRetrievalOptions<VectorSearchOptions>(va->num, va->all, va->min_score, *filter);
      VectorSearchInfo info;
      auto r = (*e)->VectorSearch(va->query, o, &info);
      if (!r.ok()) {
        if (r.status().code() == StatusCode::kInvalidArgument) return UsageError(r.status());
        return ReportError(r.status());
      }
      if (va->out.debug) {
        std::fprintf(stderr, "vsearch: model %s, min-score %g (on the overall score)\n",
                     info.model_id.c_str(), o.min_score);
        for (const auto& n : info.notes) std::fprintf(stderr, "vsearch: %s\n", n.c_str());
      }
      Print(RenderResults(*r, va->out.mode(), va->out.debug, va->out.preview));
      return 0;
    };
  });

  // similar
  auto sa = std::make_shared<SimilarArgs>();
  auto* sim = app.add_subcommand("similar", "images like a given one (image vector and perceptual hash)");
  sim->add_option("id", sa->id, "asset id, path or qimg:// path")->required();
  sim->add_option("-n,--num", sa->num, "number of results (default 10)")->check(CLI::Range(1, INT_MAX));
  sim->add_option("-c,--collection", sa->collection, "only this collection");
  AddOutputFlags(sim, &sa->out);
  sim->callback([&state, sa] {
    state.action = [&state, sa] {
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      SimilarOptions o;
      o.num = sa->num;
      o.collection = sa->collection;
      auto r = (*e)->Similar(sa->id, o);
      if (!r.ok()) return ReportError(r.status());
      Print(RenderResults(*r, sa->out.mode(), sa->out.debug, sa->out.preview));
      return 0;
    };
  });

  // repair
  auto rj = std::make_shared<bool>(false);
  auto* rep = app.add_subcommand("repair", "rebuild the vector index files from the database (no model needed)");
  rep->add_flag("--json", *rj, "JSON output");
  rep->callback([&state, rj] {
    state.action = [&state, rj] {
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      auto r = (*e)->RepairVectorIndexes();
      if (!r.ok()) return ReportError(r.status());
      ojson o = ojson::object();
      o["repaired"] = r->repaired;
      o["model_id"] = r->model_id ? ojson(*r->model_id) : ojson(nullptr);
      o["dim"] = r->dim;
      o["indexes"] = ojson::array();
      for (const auto& i : r->indexes)
        o["indexes"].push_back({{"model_id", i.model_id}, {"dim", i.dim}, {"vectors", i.vectors},
                                {"path", i.path}, {"hnsw", i.hnsw}});
      o["removed_files"] = r->removed_files;
      Print(*rj ? PrettyJson(o) : RenderObject(o));
      return 0;
    };
  });
}

}  // namespace qimg
