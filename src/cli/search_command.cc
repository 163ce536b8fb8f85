// qimg search QUERY: lexical search with the shared retrieval options (SPEC §1.2, §7.4).
#include <climits>

#include "cli/cli_state.h"
#include "search/filters.h"

namespace qimg {
namespace {

struct SearchArgs {
  std::string query;
  int num = 10;
  bool all = false;
  double min_score = 0.0;
  FilterArgs filters;
  OutputFlags out;
};

// Usage errors found after parsing (bad dates, queries without words) exit 2 like the
// framework's own, with one line on stderr.
int UsageError(const Status& status) {
  std::fprintf(stderr, "qimg: error: %s\n", status.message().c_str());
  return 2;
}

}  // namespace

void AddRetrievalOptions(CLI::App* cmd, int* num, bool* all, FilterArgs* filters) {
  cmd->add_option("-n,--num", *num, "number of results (default 10)")
      ->check(CLI::Range(1, INT_MAX));
  cmd->add_flag("--all", *all, "return every match (no -n cut)");
  cmd->add_option("-c,--collection", filters->collection, "only this collection (exact name)");
  cmd->add_option("--path-prefix", filters->path_prefix,
                  "only paths starting with this (relative to the collection root, or qimg://COLLECTION/PREFIX)");
  cmd->add_option("--after", filters->after,
                  "captured on or after this local date/time (YYYY-MM-DD[THH:MM[:SS]])");
  cmd->add_option("--before", filters->before,
                  "captured on or before this local date/time (a bare day includes the whole day)");
  cmd->add_option("--min-width", filters->min_width, "minimum width in pixels")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--min-height", filters->min_height, "minimum height in pixels")
      ->check(CLI::NonNegativeNumber);
}

void RegisterSearchCommands(CLI::App& app, CliState& state) {
  auto a = std::make_shared<SearchArgs>();
  auto* cmd = app.add_subcommand("search", "lexical search over names, folders, contexts and facts");
  cmd->add_option("query", a->query, "words to look for (punctuation and operators are ignored)")
      ->required();
  AddRetrievalOptions(cmd, &a->num, &a->all, &a->filters);
  cmd->add_option("--min-score", a->min_score, "drop results scoring below this (default 0.0)");
  AddOutputFlags(cmd, &a->out);
  cmd->callback([&state, a] {
    state.action = [&state, a] {
      auto filter = ParseFilterArgs(a->filters);
      if (!filter.ok()) return UsageError(filter.status());
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      auto options =
          MakeRetrievalOptions<LexicalSearchOptions>(a->num, a->all, a->min_score, *filter);
      auto r = (*e)->Search(a->query, options);
      if (!r.ok()) {
        if (r.status().code() == StatusCode::kInvalidArgument) return UsageError(r.status());
        return ReportError(r.status());
      }
      Print(RenderResults(*r, a->out.mode(), a->out.debug, a->out.preview));
      return 0;
    };
  });
}

}  // namespace qimg
