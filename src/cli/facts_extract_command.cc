// `qimg facts extract [IDS...] [--caption] [--tags] [--objects] [--ocr] [--derived] [--json]`.
#include <unistd.h>

#include <cstdio>

#include "app/engine.h"
#include "base/text.h"
#include "cli/cli_state.h"

namespace qimg {
namespace {

struct ExtractArgs {
  std::vector<std::string> identifiers;
  FactsExtractOptions options;
  bool json = false;
};

}  // namespace

void RegisterFactsExtractCommand(CLI::App* facts, CliState& state) {
  auto a = std::make_shared<ExtractArgs>();
  auto* ex = facts->add_subcommand(
      "extract", "read facts from the pixels: OCR text, colours/orientation, tags, captions");
  ex->add_option("identifiers", a->identifiers, "ids, paths or qimg:// paths (default: every image)");
  ex->add_flag("--caption", a->options.caption, "caption (metadata description kept; else CLIP)");
  ex->add_flag("--tags", a->options.tags, "tags by CLIP zero-shot over qimg's vocabulary");
  ex->add_flag("--objects", a->options.objects, "object boxes (needs the object detector)");
  ex->add_flag("--ocr", a->options.ocr, "text in the image (Tesseract)");
  ex->add_flag("--derived", a->options.derived, "colours, orientation, aspect, brightness, screenshot");
  ex->add_flag("--json", a->json, "JSON output");
  ex->callback([&state, a] {
    state.action = [&state, a] {
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      FactsExtractOptions opts = a->options;
      opts.identifiers = a->identifiers;
      opts.progress = ::isatty(STDERR_FILENO) == 1;
      auto st = (*e)->ExtractFacts(opts);
      if (!st.ok()) return ReportError(st.status());
      // Unavailable channels are said on stderr, so scripts reading stdout still parse it.
      if (!st->image_model_message.empty())
        std::fprintf(stderr, "qimg: no image model, tags/captions fall back to file names (%s, %s): %s\n",
                     std::string(st->tag_source.empty() ? "-" : st->tag_source).c_str(),
                     std::string(st->caption_source.empty() ? "-" : st->caption_source).c_str(),
                     st->image_model_message.c_str());
      if (!st->object_model_message.empty())
        std::fprintf(stderr, "qimg: objects skipped: %s\n", st->object_model_message.c_str());
      if (!st->ocr_message.empty())
        std::fprintf(stderr, "qimg: OCR skipped: %s\n", st->ocr_message.c_str());
      nlohmann::ordered_json o = FactsExtractJson(*st);
      if (a->json) {
        Print(PrettyJson(o));
      } else {
        nlohmann::ordered_json brief = nlohmann::ordered_json::object();
        for (const char* k : {"processed", "captions", "tags", "objects", "ocr", "derived", "errors",
                              "object_skipped_unavailable", "ocr_skipped_unavailable"})
          brief[k] = o[k];
        Print(RenderObject(brief));
        for (const auto& f : st->failures)
          std::fprintf(stderr, "qimg: %s %s (%s): %s\n", f.asset_id.c_str(), f.rel_path.c_str(),
                       f.channel.c_str(), f.reason.c_str());
      }
      return 0;
    };
  });
}

}  // namespace qimg
