// Engine::Query: the hybrid pipeline of SPEC §9.4-9.5 with §15 items 5-6 and 8-11 fixed. This
// file runs the retrievals (expansion, lexical and vector lists under one filter) and the
// rerankers that need the database; the fusion itself is search/hybrid_query.h.
#include <algorithm>
#include <memory>
#include <mutex>

#include "app/engine.h"
#include "app/text_encoder.h"
#include "base/text.h"
#include "facts/vocabulary.h"
#include "nn/cross_encoder.h"
#include "search/hybrid_query.h"
#include "search/query_expansion.h"
#include "search/wordnet.h"

namespace qimg {
namespace {

// WordNet and the vocabulary index are read-only and the same for every Engine (the MCP server
// runs several), so they are opened once per process and kept for its lifetime.
struct ExpansionResources {
  std::unique_ptr<Wordnet> wordnet;  // null when wordnet-base is not installed
  std::string wordnet_note;
  std::unique_ptr<VocabularyIndex> vocabulary;
};

const ExpansionResources& SharedExpansionResources() {
  static const ExpansionResources* resources = [] {
    auto* r = new ExpansionResources();
    auto wn = Wordnet::Open();
    if (wn.ok()) r->wordnet = std::move(wn).value();
    else r->wordnet_note = "WordNet unavailable, expansion uses the tag vocabulary only: " + wn.status().message();
    std::vector<std::string> labels;
    for (const auto& c : facts::Vocabulary()) labels.push_back(c.label);
    r->vocabulary = std::make_unique<VocabularyIndex>(labels, r->wordnet.get());
    return r;
  }();
  return *resources;
}

// SPEC §9.5's overlap reranker over lexical_docs and the EXIF summary.
class OverlapReranker : public Reranker {
 public:
  explicit OverlapReranker(Database* db) : db_(db) {}
  const char* name() const override { return "overlap"; }
  Result<std::vector<double>> Score(const std::string& query,
                                    const std::vector<std::string>& ids) override {
    std::vector<double> out;
    out.reserve(ids.size());
    QIMG_ASSIGN_OR_RETURN(Statement st, db_->Prepare(
        "SELECT filename_tokens, folder_tokens, context_only_text, facts_only_text "
        "FROM lexical_docs WHERE asset_id = ?1"));
    for (const auto& id : ids) {
      st.Bind(1, id);
      QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
      std::string nf, ctx, facts;
      if (row) {
        nf = st.ColumnText(0) + " " + st.ColumnText(1);
        ctx = st.ColumnText(2);
        facts = st.ColumnText(3);
      }
      QIMG_RETURN_IF_ERROR(st.Reset());
      QIMG_ASSIGN_OR_RETURN(FactSummary summary, SummarizeFacts(db_, id));
      std::vector<std::string> meta;
      for (const char* key : {"datetime", "camera_model"}) {
        auto it = summary.exif.find(key);
        if (it != summary.exif.end() && it->is_string()) meta.push_back(it->get<std::string>());
      }
      out.push_back(row ? OverlapRerankScore(query, nf, ctx, facts, Join(meta, " ")) : 0.0);
    }
    return out;
  }

 private:
  Database* db_;
};

// The cross-encoder reranker (issue 7): search.reranker_model, a BERT / XLM-R
// *ForSequenceClassification checkpoint (bge-reranker-base, ms-marco MiniLM, ...), scores the
// original query against each candidate's text, its contexts then its facts (lexical_docs'
// context_only_text and facts_only_text), as sigmoid(logit). A candidate with neither scores 0.
class CrossEncoderReranker : public Reranker {
 public:
  CrossEncoderReranker(Database* db, std::shared_ptr<const nn::CrossEncoder> model)
      : db_(db), model_(std::move(model)) {}
  const char* name() const override { return "cross-encoder"; }
  Result<std::vector<double>> Score(const std::string& query,
                                    const std::vector<std::string>& ids) override {
    QIMG_ASSIGN_OR_RETURN(Statement st, db_->Prepare(
        "SELECT context_only_text, facts_only_text FROM lexical_docs WHERE asset_id = ?1"));
    std::vector<std::string> texts;
    std::vector<size_t> which;
    for (size_t i = 0; i < ids.size(); ++i) {
      st.Bind(1, ids[i]);
      QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
      std::string text;
      if (row) text = Trim(Trim(st.ColumnText(0)) + "\n" + Trim(st.ColumnText(1)));
      QIMG_RETURN_IF_ERROR(st.Reset());
      if (text.empty()) continue;
      texts.push_back(std::move(text));
      which.push_back(i);
    }
    std::vector<double> out(ids.size(), 0.0);
    if (texts.empty()) return out;
    QIMG_ASSIGN_OR_RETURN(std::vector<float> scores, model_->Score(query, texts));
    for (size_t k = 0; k < which.size(); ++k) out[which[k]] = scores[k];
    return out;
  }

 private:
  Database* db_;
  std::shared_ptr<const nn::CrossEncoder> model_;
};

// search.reranker_model set: the cross-encoder (a missing model is an error naming its install
// command); otherwise SPEC §9.5's overlap reranker.
Result<std::unique_ptr<Reranker>> MakeReranker(Database* db, const Config& config) {
  if (Trim(config.search.reranker_model).empty()) {
    return std::unique_ptr<Reranker>(std::make_unique<OverlapReranker>(db));
  }
  QIMG_ASSIGN_OR_RETURN(auto model, LoadRerankerModel(config));
  return std::unique_ptr<Reranker>(std::make_unique<CrossEncoderReranker>(db, std::move(model)));
}

}  // namespace

Result<std::vector<SearchResult>> Engine::Query(const std::string& query,
                                                const QueryOptions& options, QueryInfo* info) {
  QueryInfo local;
  if (!info) info = &local;
  if (Trim(query).empty()) return Status::InvalidArgument("query needs a query");
  if (!options.all && options.num < 1) return Status::InvalidArgument("-n must be at least 1");
  const SearchConfig& sc = config_.search;
  std::string mode_name = options.expansion.value_or(sc.expansion);
  auto mode = ParseExpansionMode(mode_name);
  if (!mode)
    return Status::InvalidArgument("unknown expansion '" + mode_name + "' (wordnet, original or none)");
  std::string bonus_name = options.rank_bonus.value_or(sc.rank_bonus);
  auto bonus = ParseRankBonus(bonus_name);
  if (!bonus)
    return Status::InvalidArgument("unknown rank bonus '" + bonus_name + "' (weighted, original or none)");
  info->expansion = ExpansionModeName(*mode);
  info->rank_bonus = RankBonusName(*bonus);

  const Wordnet* wordnet = nullptr;
  const VocabularyIndex* vocabulary = nullptr;
  if (*mode == ExpansionMode::kWordnet) {
    const ExpansionResources& res = SharedExpansionResources();
    wordnet = res.wordnet.get();
    vocabulary = res.vocabulary.get();
    if (!res.wordnet_note.empty()) info->notes.push_back(res.wordnet_note);
  }
  ExpansionLimits limits;
  limits.expansions = sc.query_expansions;
  limits.lexical_expansions = 2 * sc.query_expansions;
  ExpandedQuery expanded = ExpandQuery(query, *mode, limits, wordnet, vocabulary);
  info->image_prompts = expanded.image_prompts;

  // Every list is long enough for the result count asked for (SPEC §15.10).
  const int per_list = options.all ? kLexicalAllCap : std::max(sc.top_k_retrieval, options.num);
  std::vector<SubQueryLists> lists;
  // The sub-queries often reduce to the same SQL (expansions whose new words the library lacks
  // all fall back to the same fill query); run each distinct one once for this request.
  LexicalQueryCache lexical_cache;
  std::shared_ptr<const FtsMirror> lexical_mirror = CurrentLexicalMirror();
  for (size_t i = 0; i < expanded.subqueries.size(); ++i) {
    const SubQuery& sq = expanded.subqueries[i];
    SubQueryLists s;
    s.query = sq.text;
    s.weight = sq.weight;
    if (sq.lexical) {
      LexicalSearchOptions lo;
      lo.num = per_list;
      lo.filter = options.filter;
      lo.cache = &lexical_cache;
      lo.mirror = lexical_mirror.get();
      auto [bias_ctx, bias_facts] = LexicalChannelBias(sq.text);
      lo.weights.namefolder = sc.w_namefolder;
      lo.weights.context = sc.w_context * bias_ctx;
      lo.weights.facts = sc.w_facts * bias_facts;
      auto r = LexicalSearch(db(), sq.text, lo);
      if (r.ok()) {
        s.lexical = std::move(r).value();
        info->lexical_queries.push_back(sq.text);
      } else if (r.status().code() != StatusCode::kInvalidArgument || i == 0) {
        return r.status();
      }
    }
    if (sq.vector) {
      VectorSearchOptions vo;
      vo.num = per_list;
      vo.all = options.all;
      vo.min_score = 0.0;  // min_score applies once, to the final score
      vo.filter = options.filter;
      if (i == 0) vo.image_prompts = expanded.image_prompts;
      vo.require_image_model = false;
      VectorSearchInfo vinfo;
      QIMG_ASSIGN_OR_RETURN(s.vector, VectorScores(sq.text, vo, &vinfo));
      info->vector_queries.push_back(sq.text);
      for (auto& n : vinfo.notes)
        if (std::find(info->notes.begin(), info->notes.end(), n) == info->notes.end())
          info->notes.push_back(std::move(n));
    }
    lists.push_back(std::move(s));
  }

  HybridOptions ho;
  ho.rrf_k = sc.rrf_k;
  ho.rank_bonus = *bonus;
  ho.rerank_candidates = sc.rerank_candidates;
  ho.num = options.num;
  ho.all = options.all;
  ho.min_score = options.min_score;
  std::unique_ptr<Reranker> reranker;
  if (options.rerank.value_or(sc.enable_reranker)) {
    QIMG_ASSIGN_OR_RETURN(reranker, MakeReranker(db(), config_));
  }
  HybridTrace trace;
  QIMG_ASSIGN_OR_RETURN(std::vector<ScoredId> fused,
                        FuseHybrid(query, lists, ho, reranker.get(), &trace));
  info->lists = trace.lists;
  info->reranker = trace.reranker;
  for (const auto& r : fused) {
    std::vector<std::string> parts;
    auto it = trace.contributions.find(r.id);
    if (it != trace.contributions.end()) {
      for (const auto& c : it->second)
        parts.push_back("#" + std::to_string(c.list) + "@" + std::to_string(c.rank) + ":+" +
                        FormatFixed(c.amount, 5));
    }
    info->contributions.push_back({r.id, std::move(parts)});
  }
  return Hydrate(db(), fused);
}

}  // namespace qimg
