// qimg query QUERY: hybrid retrieval (SPEC §9.4-9.5 with the fixes of docs/search.md "Hybrid
// query") with the shared retrieval options. --debug explains the expansion, the fused lists
// and each result's contributions on stderr; stdout stays the plain result rendering.
#include <climits>

#include "cli/cli_state.h"
#include "base/text.h"
#include "search/filters.h"

namespace qimg {
namespace {

struct QueryArgs {
  std::string query;
  int num = 10;
  bool all = false;
  double min_score = kDefaultQueryMinScore;
  FilterArgs filters;
  OutputFlags out;
  std::optional<std::string> expansion;
  std::optional<std::string> rank_bonus;
  bool rerank = false;
  bool no_rerank = false;
};

int UsageError(const Status& status) {
  std::fprintf(stderr, "qimg: error: %s\n", status.message().c_str());
  return 2;
}

void PrintDebug(const QueryInfo& info, double min_score) {
  std::fprintf(stderr, "query: expansion %s, rank bonus %s, reranker %s, min-score %g (on the final score)\n",
               info.expansion.c_str(), info.rank_bonus.c_str(),
               info.reranker.empty() ? "off" : info.reranker.c_str(), min_score);
  for (const auto& q : info.lexical_queries) std::fprintf(stderr, "query: lexical sub-query '%s'\n", q.c_str());
  for (const auto& q : info.vector_queries) std::fprintf(stderr, "query: vector sub-query '%s'\n", q.c_str());
  for (const auto& p : info.image_prompts) std::fprintf(stderr, "query: image prompt '%s'\n", p.c_str());
  for (size_t i = 0; i < info.lists.size(); ++i)
    std::fprintf(stderr, "query: list #%zu %s\n", i, info.lists[i].c_str());
  for (const auto& n : info.notes) std::fprintf(stderr, "query: %s\n", n.c_str());
  for (const auto& [id, parts] : info.contributions)
    std::fprintf(stderr, "query: %s rrf = %s\n", id.c_str(), Join(parts, " ").c_str());
}

}  // namespace

void RegisterQueryCommands(CLI::App& app, CliState& state) {
  auto a = std::make_shared<QueryArgs>();
  auto* cmd = app.add_subcommand(
      "query", "hybrid search: expansion + lexical + vector channels, fused (RRF) and reranked");
  cmd->add_option("query", a->query, "what to look for, in words")->required();
  AddRetrievalOptions(cmd, &a->num, &a->all, &a->filters);
  cmd->add_option("--min-score", a->min_score,
                  "drop results whose final score is below this (default 0; the score is relative to the best hit "
                  "unless the reranker is on)");
  cmd->add_option("--expansion", a->expansion, "wordnet, original or none (default: search.expansion)")
      ->check(CLI::IsMember({"wordnet", "original", "none"}));
  cmd->add_option("--rank-bonus", a->rank_bonus, "weighted, original or none (default: search.rank_bonus)")
      ->check(CLI::IsMember({"weighted", "original", "none"}));
  auto* on = cmd->add_flag("--rerank", a->rerank, "rerank the top candidates (default: search.enable_reranker)");
  cmd->add_flag("--no-rerank", a->no_rerank, "do not rerank")->excludes(on);
  AddOutputFlags(cmd, &a->out);
  cmd->callback([&state, a] {
    state.action = [&state, a] {
      auto filter = ParseFilterArgs(a->filters);
      if (!filter.ok()) return UsageError(filter.status());
      auto e = state.OpenEngine();
      if (!e.ok()) return ReportError(e.status());
      auto o = MakeRetrievalOptions<QueryOptions>(a->num, a->all, a->min_score, *filter);
      o.expansion = a->expansion;
      o.rank_bonus = a->rank_bonus;
      if (a->rerank) o.rerank = true;
      if (a->no_rerank) o.rerank = false;
      QueryInfo info;
      auto r = (*e)->Query(a->query, o, &info);
      if (!r.ok()) {
        if (r.status().code() == StatusCode::kInvalidArgument) return UsageError(r.status());
        return ReportError(r.status());
      }
      if (a->out.debug) PrintDebug(info, o.min_score);
      Print(RenderResults(*r, a->out.mode(), a->out.debug, a->out.preview));
      return 0;
    };
  });
}

}  // namespace qimg
