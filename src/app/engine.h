// The Engine: the one place that wires store, media, search (and later models and indexes)
// together. The CLI and the MCP server call the same methods, so both behave alike.
// Every mutating method runs in its own transaction(s) and refreshes derived state (context
// links, lexical docs) for exactly the assets it touched.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/facts_ops.h"
#include "app/lexical_mirror.h"
#include "base/status.h"
#include "search/lexical_search.h"
#include "search/result.h"
#include "store/asset_store.h"
#include "store/collection_store.h"
#include "store/context_store.h"
#include "store/database.h"
#include "store/fact_store.h"
#include "store/scan_issue_store.h"

namespace qimg {

inline constexpr const char* kDefaultMask = "**/*.{jpg,jpeg,png,webp,tif,tiff,heic,heif,avif,gif,bmp}";
inline constexpr const char* kExifSource = "exif_exiv2@1";
inline constexpr const char* kXmpKeywordSource = "xmp_keywords@1";
inline constexpr const char* kXmpCaptionSource = "xmp_description@1";

struct UpdateStats {
  int added = 0;
  int changed = 0;
  int deleted = 0;
  int scanned = 0;
  int unchanged = 0;
  int skipped = 0;  // files recorded as scan issues this run
  std::vector<std::string> changed_ids;
  std::vector<ScanIssueRow> issues;  // recorded this run
  double seconds = 0;
  int64_t bytes_read = 0;
};

struct UpdateOptions {
  int threads = 0;       // 0 = one per core
  int batch_size = 64;   // files per committed transaction
  bool progress = false; // draw a progress line on stderr
  std::optional<std::string> collection;  // only this collection
};

struct StatusReport {
  int64_t collections = 0, assets_active = 0, assets_deleted = 0, contexts = 0, facts = 0,
          vectors = 0, lexical_docs = 0, fts_rows = 0, scan_issues = 0;
  std::optional<std::string> vector_model;
  std::string db_path, vector_dir;
  std::vector<ScanIssueRow> issues;
};

struct CleanupStats {
  int64_t deleted_assets = 0, orphan_context_links = 0, orphan_facts = 0,
          orphan_lexical_docs = 0, orphan_fts_rows = 0, orphan_vectors = 0, stale_scan_issues = 0;
};

// embed (SPEC §8.3 with §15.25-27 fixed; app/vector_ops.cc).
struct EmbedOptions {
  bool images = true;
  bool ocr_text = true;
  bool ocr_text_explicit = false;  // --ocr-text given: a missing text encoder is an error
  bool progress = false;           // progress line on stderr
};

struct EmbedFailure {
  std::string id, path, reason;
};

struct EmbedStats {
  int embedded_images = 0, embedded_ocr_text = 0, errors = 0, skipped_missing = 0,
      skipped_unchanged = 0, removed_deleted = 0;
  std::string model_id;  // image model id, "<embed.model>:d<dim>"
  int dim = 0;
  bool include_images = false, include_ocr_text = false;
  std::optional<std::string> ocr_text_note;  // why the OCR vector channel did not run
  std::vector<EmbedFailure> failures;        // per-file errors (never fatal)
  double seconds = 0;
};

// vsearch (SPEC §9.1 with §15.7, 12, 29 fixed). min_score 0 keeps every match: image scores
// are (cos+1)/2, and genuine CLIP text-image cosines of 0.2-0.35 map to only 0.6-0.68.
inline constexpr double kDefaultVectorMinScore = 0.0;
struct VectorSearchOptions {
  int num = 10;
  bool all = false;
  double min_score = kDefaultVectorMinScore;
  AssetFilter filter;
  // query (issue 7): texts whose image-model embeddings are averaged into the image channel's
  // query vector (CLIP prompt ensemble); empty = the query text alone.
  std::vector<std::string> image_prompts;
  // query: without an image model, skip the image channel (noted in info) instead of failing,
  // so the OCR channels and lexical search still answer.
  bool require_image_model = true;
};
struct VectorSearchInfo {
  std::string model_id;
  std::vector<std::string> notes;  // channels skipped and why, index strategy
};

// query (SPEC §9.4-9.5 with §15.8-11 fixed; app/query_ops.cc). min_score 0 by default: with
// the reranker off the final score is relative (fused / best fused), so any cut is a fraction of
// the best hit, not a calibrated relevance; 0 keeps every genuine match and -n bounds the list.
inline constexpr double kDefaultQueryMinScore = 0.0;
struct QueryOptions {
  int num = 10;
  bool all = false;
  double min_score = kDefaultQueryMinScore;
  AssetFilter filter;
  // Overrides of search.expansion / search.rank_bonus / search.enable_reranker.
  std::optional<std::string> expansion;
  std::optional<std::string> rank_bonus;
  std::optional<bool> rerank;
};
struct QueryInfo {
  std::string expansion, rank_bonus;
  std::vector<std::string> lexical_queries, vector_queries, image_prompts;
  std::vector<std::string> notes;  // channels skipped and why
  std::vector<std::string> lists;  // the fused lists, in order ("lexical 'car' w=1")
  // Per returned id: "list#rank:+amount" entries explaining its rrf score.
  std::vector<std::pair<std::string, std::vector<std::string>>> contributions;
  std::string reranker;  // empty when none ran
};

struct SimilarOptions {
  int num = 10;
  std::optional<std::string> collection;
};

struct VectorIndexReport {
  std::string model_id;
  int dim = 0;
  int64_t vectors = 0;
  std::string path;
  bool hnsw = false;
};
struct RepairStats {
  int64_t repaired = 0;  // vectors in the current image model's index
  std::optional<std::string> model_id;
  int dim = 0;
  std::vector<VectorIndexReport> indexes;
  std::vector<std::string> removed_files;  // index files of models without vectors
};

class Engine {
 public:
  // Creates the database's folder, opens it and migrates it. No work proportional to the
  // library size happens here.
  static Result<std::unique_ptr<Engine>> Open(const Config& config);

  Database* db() { return db_.get(); }
  const Config& config() const { return config_; }

  // Collections. Add: root must exist and be a directory; name non-empty without '/';
  // mask a valid glob. Remove: NotFound for an unknown name.
  Result<CollectionRow> AddCollection(const std::string& root, const std::string& name,
                                      const std::string& mask);
  Result<std::vector<CollectionRow>> ListCollections();
  Status RenameCollection(const std::string& old_name, const std::string& new_name);
  Result<int64_t> RemoveCollection(const std::string& name);  // assets removed

  // Contexts; add/remove re-materialise only the assets under the path.
  Result<ContextRow> AddContext(const std::string& vpath, const std::string& text);
  Result<bool> RemoveContext(const std::string& vpath);
  Result<std::vector<ContextRow>> ListContexts(const std::optional<std::string>& prefix);

  // Identifier resolution (SPEC §10.1 plus unique id prefixes). NotFound when nothing matches,
  // InvalidArgument when an id prefix is ambiguous.
  Result<AssetRow> Resolve(const std::string& identifier);

  Result<UpdateStats> Update(const UpdateOptions& options);

  Result<std::vector<FactRow>> ListFacts(const std::optional<std::string>& identifier);
  // Removes facts of a source (optionally of one resolved asset); refreshes lexical docs.
  Result<int> RemoveFacts(const std::string& source, const std::optional<std::string>& identifier,
                          std::optional<std::string>* resolved_id);

  // facts extract (facts_ops.cc): per asset and channel, replaces that channel's own facts of
  // its own source, in batched transactions that also refresh the touched assets' lexical docs.
  // NotFound / InvalidArgument when an identifier does not resolve (nothing is written then).
  // Per-asset failures are counted in the stats, never fatal.
  Result<FactsExtractStats> ExtractFacts(const FactsExtractOptions& options);

  // get / multi-get (SPEC §10.2-10.3): overall 1.0.
  Result<std::vector<SearchResult>> Get(const std::string& identifier);
  Result<std::vector<SearchResult>> MultiGet(const std::vector<std::string>& identifiers,
                                             const std::optional<std::string>& glob);

  // search (SPEC §7.4; search_ops.cc): lexical search with the config's channel weights
  // (options.weights is overwritten), hydrated. InvalidArgument for a query without words.
  Result<std::vector<SearchResult>> Search(const std::string& query, LexicalSearchOptions options);

  Result<StatusReport> GetStatus();
  Result<CleanupStats> Cleanup();

  // Vectors (app/vector_ops.cc). Embed/VectorSearch need the image model: Unavailable naming
  // the missing model and its install command otherwise. Similar and RepairVectorIndexes load
  // no model (query vectors come from the database).
  Result<EmbedStats> Embed(const EmbedOptions& options);
  Result<std::vector<SearchResult>> VectorSearch(const std::string& query,
                                                 const VectorSearchOptions& options,
                                                 VectorSearchInfo* info = nullptr);
  // The vector channels without hydration (vsearch's scoring; query's vector lists).
  Result<std::vector<ScoredId>> VectorScores(const std::string& query,
                                             const VectorSearchOptions& options,
                                             VectorSearchInfo* info = nullptr);
  // query (app/query_ops.cc): expansion, lexical + vector lists for every sub-query under the
  // same filters, weighted RRF, optional rerank, min_score once, hydrated. InvalidArgument for
  // a blank query or unknown expansion/rank_bonus names. A missing image model only skips the
  // image channel (noted in info).
  Result<std::vector<SearchResult>> Query(const std::string& query, const QueryOptions& options,
                                          QueryInfo* info = nullptr);
  Result<std::vector<SearchResult>> Similar(const std::string& identifier,
                                            const SimilarOptions& options);
  // Rebuilds every image model's index file from the database; deletes index files of models
  // that have no vectors left.
  Result<RepairStats> RepairVectorIndexes();

  // Refreshes context links and lexical docs of these assets (one transaction is the caller's).
  Status RefreshDerived(const std::vector<std::string>& asset_ids);

  // Long-running processes (MCP and web servers) share one in-memory copy of the lexical index
  // among their engines: search and query then rank from it whenever it is current, with the
  // same results. One-shot commands leave it unset (building it costs more than one query).
  void ShareLexicalMirror(std::shared_ptr<LexicalMirrorSource> source) {
    lexical_mirror_ = std::move(source);
  }

 private:
  explicit Engine(Config config) : config_(std::move(config)) {}
  // The current in-memory copy of the lexical index, or null (rank in SQLite).
  std::shared_ptr<const FtsMirror> CurrentLexicalMirror() {
    return lexical_mirror_ ? lexical_mirror_->Current(db()) : nullptr;
  }
  Config config_;
  std::unique_ptr<Database> db_;
  std::shared_ptr<LexicalMirrorSource> lexical_mirror_;
};

}  // namespace qimg
