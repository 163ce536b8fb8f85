// Engine::Embed, VectorSearch, Similar and RepairVectorIndexes (SPEC §8-10 with the fixes of
// docs/search.md "Vector search"). Index upkeep lives in vector_sync.cc, table access in
// vector_db.cc, the OCR text encoder behind text_encoder.h.
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <future>
#include <map>
#include <set>
#include <thread>
#include <unordered_set>

#include "app/engine.h"
#include "app/text_encoder.h"
#include "app/vector_db.h"
#include "app/vector_sync.h"
#include "base/fs.h"
#include "base/hash.h"
#include "base/text.h"
#include "base/thread_pool.h"
#include "index/vector_label.h"
#include "media/decode.h"
#include "search/query_expansion.h"
#include "store/lexical_query.h"

namespace qimg {
namespace {

using Clock = std::chrono::steady_clock;

void Normalize(float* v, int dim) {
  double s = 0;
  for (int i = 0; i < dim; ++i) s += static_cast<double>(v[i]) * v[i];
  double n = std::max(std::sqrt(s), 1e-12);
  for (int i = 0; i < dim; ++i) v[i] = static_cast<float>(v[i] / n);
}

// The fixed start of each image prompt template, the text before "{q}" ("" for the bare query).
// The CLIP text tower keeps their keys/values, so a query's prompts run only the query's own
// tokens; exact because the tower is causal (nn::ClipModel::CacheTextPrefixes).
const std::vector<std::string>& ImagePromptPrefixes() {
  static const std::vector<std::string> kPrefixes = [] {
    std::vector<std::string> out;
    for (const std::string& t : ImagePromptTemplates()) {
      const size_t at = t.find("{q}");
      if (at != std::string::npos) out.push_back(t.substr(0, at));
    }
    return out;
  }();
  return kPrefixes;
}

// (cos + 1) / 2 clamped to [0, 1] (SPEC §8.4).
double UnitScore(double cos) { return std::clamp((cos + 1.0) / 2.0, 0.0, 1.0); }

// The content the image vector was computed from: sha256 when update computed it, else size
// and mtime (a changed file is re-embedded either way; a touched file only without sha256).
std::string ImageInputHash(const std::optional<std::string>& sha, int64_t size, double mtime) {
  if (sha && !sha->empty()) return "sha256:" + *sha;
  return "stat:" + std::to_string(size) + ":" + FormatPyFloat(mtime);
}

struct EmbedJob {
  std::string id, path, hash;
};

struct Decoded {
  std::vector<RgbImage> images;
  std::vector<size_t> job_index;  // into the batch
  std::vector<std::pair<size_t, std::string>> failures;
  std::vector<size_t> missing;
};

Decoded DecodeBatch(const std::vector<EmbedJob>& batch, int min_side, ThreadPool* pool) {
  std::vector<Result<RgbImage>> out(batch.size(), Status::Internal("not decoded"));
  std::vector<char> missing(batch.size(), 0);
  for (size_t i = 0; i < batch.size(); ++i) {
    pool->Submit([&, i] {
      if (!StatPath(batch[i].path).exists) {
        missing[i] = 1;
        return;
      }
      out[i] = DecodeRgb(batch[i].path, min_side);
    });
  }
  pool->Wait();
  Decoded d;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (missing[i]) {
      d.missing.push_back(i);
    } else if (!out[i].ok()) {
      d.failures.push_back({i, out[i].status().message()});
    } else {
      d.images.push_back(std::move(out[i]).value());
      d.job_index.push_back(i);
    }
  }
  return d;
}

class Progress {
 public:
  Progress(bool enabled, int total, const char* what) : enabled_(enabled && total > 0), total_(total), what_(what) {}
  void Tick(int done) {
    if (!enabled_) return;
    double secs = std::chrono::duration<double>(Clock::now() - start_).count();
    std::fprintf(stderr, "\rembed: %d/%d %s  %.1f/s   ", done, total_, what_, secs > 0 ? done / secs : 0.0);
    if (done >= total_) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  bool enabled_;
  int total_;
  const char* what_;
  Clock::time_point start_ = Clock::now();
};

Status EmbedImages(Database* db, const Config& config, const ImageModel& model,
                   const EmbedOptions& options, EmbedStats* stats) {
  std::vector<EmbedJob> jobs;
  {
    QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
        "SELECT a.id, a.abs_path, a.sha256, a.size, a.mtime, v.input_hash, LENGTH(v.embedding) "
        "FROM assets a LEFT JOIN vectors v ON v.asset_id = a.id AND v.model_id = ?1 "
        "WHERE a.is_deleted = 0 ORDER BY a.id"));
    st.Bind(1, model.model_id);
    for (;;) {
      QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      std::string hash = ImageInputHash(st.ColumnOptText(2), st.ColumnInt(3), st.ColumnDouble(4));
      if (st.ColumnOptText(5) == hash && st.ColumnInt(6) == int64_t{4} * model.dim) {
        ++stats->skipped_unchanged;
        continue;
      }
      jobs.push_back({st.ColumnText(0), st.ColumnText(1), hash});
    }
  }
  const size_t batch_size = static_cast<size_t>(std::max(1, config.embed.batch_size));
  const int min_side = model.pipeline->image_size();
  ThreadPool pool(std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 4));
  Progress progress(options.progress, static_cast<int>(jobs.size()), "images");
  auto batch_at = [&](size_t start) {
    return std::vector<EmbedJob>(jobs.begin() + start,
                                 jobs.begin() + std::min(jobs.size(), start + batch_size));
  };
  // Decoding of batch b+1 runs on the pool while batch b is encoded.
  std::future<Decoded> next;
  if (!jobs.empty()) next = std::async(std::launch::async, [&, b = batch_at(0)] { return DecodeBatch(b, min_side, &pool); });
  for (size_t start = 0; start < jobs.size(); start += batch_size) {
    std::vector<EmbedJob> batch = batch_at(start);
    Decoded d = next.get();
    if (start + batch_size < jobs.size())
      next = std::async(std::launch::async, [&, b = batch_at(start + batch_size)] { return DecodeBatch(b, min_side, &pool); });
    stats->skipped_missing += static_cast<int>(d.missing.size());
    for (const auto& [i, why] : d.failures) {
      ++stats->errors;
      stats->failures.push_back({batch[i].id, batch[i].path, why});
    }
    if (!d.images.empty()) {
      auto emb = model.pipeline->EncodeImages(d.images, static_cast<int>(batch_size));
      if (!emb.ok()) {
        for (size_t i : d.job_index) {
          ++stats->errors;
          stats->failures.push_back({batch[i].id, batch[i].path, emb.status().message()});
        }
      } else {
        Transaction tx(db);
        QIMG_RETURN_IF_ERROR(tx.begin_status());
        for (size_t r = 0; r < d.job_index.size(); ++r) {
          const EmbedJob& j = batch[d.job_index[r]];
          std::vector<float> v(emb->row(static_cast<int>(r)), emb->row(static_cast<int>(r)) + emb->dim);
          Normalize(v.data(), emb->dim);
          QIMG_RETURN_IF_ERROR(UpsertVector(db, j.id, model.model_id, v.data(), emb->dim, j.hash));
          ++stats->embedded_images;
        }
        QIMG_RETURN_IF_ERROR(tx.Commit());
      }
    }
    progress.Tick(static_cast<int>(std::min(jobs.size(), start + batch_size)));
  }
  return Status::Ok();
}

// OCR texts per non-deleted asset: OCR facts newest first, trimmed, joined by newlines.
Result<std::map<std::string, std::string>> OcrDocuments(Database* db) {
  std::map<std::string, std::string> docs;
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT f.asset_id, f.value_text FROM facts f JOIN assets a ON a.id = f.asset_id "
      "WHERE a.is_deleted = 0 AND f.fact_type = 'ocr' AND f.value_text IS NOT NULL "
      "ORDER BY f.asset_id, f.created_at DESC, f.id DESC"));
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    std::string t = Trim(st.ColumnText(1));
    if (t.empty()) continue;
    std::string& d = docs[st.ColumnText(0)];
    d += d.empty() ? t : "\n" + t;
  }
  return docs;
}

// OCR vectors are keyed by the text's hash, so re-extracted OCR is re-embedded (SPEC §15.25).
Status EmbedOcrText(Database* db, const TextEncoder& enc, EmbedStats* stats) {
  const std::string model_id = enc.model_id() + ":ocr";
  QIMG_ASSIGN_OR_RETURN(auto docs, OcrDocuments(db));
  std::map<std::string, std::string> have;
  {
    QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
        "SELECT asset_id, input_hash FROM vectors WHERE model_id = ?1"));
    st.Bind(1, model_id);
    for (;;) {
      QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      have[st.ColumnText(0)] = st.ColumnOptText(1).value_or("");
    }
  }
  std::vector<std::pair<std::string, std::string>> todo;  // id, hash
  std::vector<std::string> texts;
  for (const auto& [id, text] : docs) {
    std::string hash = "sha256:" + Sha256Hex(text);
    auto it = have.find(id);
    if (it != have.end() && it->second == hash) continue;
    todo.push_back({id, hash});
    texts.push_back(text);
  }
  for (size_t start = 0; start < texts.size(); start += 16) {
    size_t end = std::min(texts.size(), start + 16);
    auto emb = enc.EncodeDocuments(std::vector<std::string>(texts.begin() + start, texts.begin() + end));
    if (!emb.ok()) {
      for (size_t i = start; i < end; ++i) {
        ++stats->errors;
        stats->failures.push_back({todo[i].first, "", emb.status().message()});
      }
      continue;
    }
    Transaction tx(db);
    QIMG_RETURN_IF_ERROR(tx.begin_status());
    for (size_t i = start; i < end; ++i) {
      const auto& v = (*emb)[i - start];
      QIMG_RETURN_IF_ERROR(UpsertVector(db, todo[i].first, model_id, v.data(), static_cast<int>(v.size()), todo[i].second));
      ++stats->embedded_ocr_text;
    }
    QIMG_RETURN_IF_ERROR(tx.Commit());
  }
  // Vectors of assets whose OCR text is gone.
  Transaction tx(db);
  QIMG_RETURN_IF_ERROR(tx.begin_status());
  QIMG_ASSIGN_OR_RETURN(Statement del, db->Prepare("DELETE FROM vectors WHERE asset_id = ?1 AND model_id = ?2"));
  for (const auto& [id, hash] : have) {
    if (docs.count(id)) continue;
    del.Bind(1, id).Bind(2, model_id);
    QIMG_RETURN_IF_ERROR(del.Run());
    QIMG_RETURN_IF_ERROR(del.Reset());
  }
  return tx.Commit();
}

// Query-side texty detection (SPEC §9.1 step 7).
bool IsTextyQuery(const std::string& q) {
  int digits = 0;
  for (char c : q) digits += (c >= '0' && c <= '9');
  if (digits >= 2 || q.find('@') != std::string::npos || q.find("http") != std::string::npos) return true;
  static const std::set<std::string> kWords = {"ocr", "text", "invoice", "receipt", "serial", "order", "id",
                                               "code", "email", "phone", "address", "error", "stacktrace", "log"};
  std::string s = ToLowerAscii(q);
  for (char& c : s) if (c == '/' || c == '-') c = ' ';
  for (const auto& w : Split(s, ' ')) {
    if (kWords.count(Trim(w))) return true;
  }
  return false;
}

size_t Utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// SPEC §9.1 step 6 over the allowed assets, with unicode tokens (the FTS tokenizer's).
Result<std::map<std::string, double>> OcrLexicalScores(Database* db, const std::string& query,
                                                       const AssetFilter& filter) {
  std::map<std::string, double> best;
  QIMG_ASSIGN_OR_RETURN(auto qtokens, IndexTokens(db, query));
  std::set<std::string> q;
  for (auto& t : qtokens) if (Utf8Length(t) > 1) q.insert(t);
  if (q.empty()) return best;
  std::string lq = ToLowerAscii(Trim(query));
  SqlCondition cond = AssetFilterSql(filter, 1);
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT f.asset_id, f.value_text FROM facts f JOIN assets a ON a.id = f.asset_id "
      "JOIN collections c ON c.id = a.collection_id WHERE f.fact_type = 'ocr' AND "
      "f.value_text IS NOT NULL AND " + cond.sql + " ORDER BY f.created_at DESC, f.id DESC"));
  BindSqlParams(st, cond.params, 1);
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    std::string text = st.ColumnText(1);
    QIMG_ASSIGN_OR_RETURN(auto toks, IndexTokens(db, text));
    if (toks.empty()) continue;
    std::set<std::string> t(toks.begin(), toks.end());
    size_t hit = 0;
    for (const auto& w : q) hit += t.count(w);
    double s = static_cast<double>(hit) / q.size();
    if (!lq.empty() && ToLowerAscii(text).find(lq) != std::string::npos) s += 0.15;
    s = std::min(1.0, s);
    if (s <= 0) continue;
    double& b = best[st.ColumnText(0)];
    b = std::max(b, s);
  }
  return best;
}

// Labels of the assets a search may return: nullopt = every indexed, non-deleted asset. An
// unrestricted search over a library with soft-deleted assets still excludes them: by an
// allowed set when there are many, by dropping them from an over-fetched list otherwise.
struct Allowed {
  std::optional<std::unordered_set<uint64_t>> labels;
  std::unordered_set<uint64_t> deleted;  // drop these from unrestricted results
};

Result<Allowed> AllowedLabels(Database* db, const AssetFilter& filter) {
  Allowed a;
  if (filter.IsEmpty()) {
    QIMG_ASSIGN_OR_RETURN(int64_t deleted, db->QueryInt("SELECT COUNT(*) FROM assets WHERE is_deleted = 1"));
    if (deleted == 0) return a;
    if (deleted <= 1000) {
      QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare("SELECT id FROM assets WHERE is_deleted = 1"));
      for (;;) {
        QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        if (auto l = AssetIdToLabel(st.ColumnText(0))) a.deleted.insert(*l);
      }
      return a;
    }
  }
  QIMG_ASSIGN_OR_RETURN(auto ids, FilteredAssetIds(db, filter));
  a.labels.emplace();
  for (const auto& id : ids) {
    if (auto l = AssetIdToLabel(id)) a.labels->insert(*l);
  }
  return a;
}

Result<std::vector<Neighbor>> SearchIndex(IndexHandle* h, const std::vector<float>& q, size_t k,
                                          const Allowed& allowed) {
  std::shared_lock<std::shared_mutex> lock(h->mu);
  QIMG_ASSIGN_OR_RETURN(auto hits, h->index->Search(q.data(), static_cast<int>(q.size()),
                                                    k + allowed.deleted.size(),
                                                    allowed.labels ? &*allowed.labels : nullptr));
  std::vector<Neighbor> out;
  for (const auto& n : hits) {
    if (allowed.deleted.count(n.label)) continue;
    out.push_back(n);
    if (out.size() == k) break;
  }
  return out;
}

}  // namespace

Result<EmbedStats> Engine::Embed(const EmbedOptions& options) {
  auto t0 = Clock::now();
  EmbedStats stats;
  std::optional<ImageModel> model;
  if (options.images) {
    QIMG_ASSIGN_OR_RETURN(model, LoadImageModel(config_));
    stats.model_id = model->model_id;
    stats.dim = model->dim;
  } else if (auto id = CurrentImageModelId(config_, db()); id.ok() && *id) {
    stats.model_id = **id;
  }
  std::shared_ptr<const TextEncoder> text;
  if (options.ocr_text) {
    auto t = LoadTextEncoder(config_);
    if (t.ok()) {
      text = *t;
    } else if (options.ocr_text_explicit) {
      return t.status().WithContext("OCR text channel");
    } else {
      stats.ocr_text_note = t.status().message();
    }
  }
  stats.include_images = model.has_value();
  stats.include_ocr_text = text != nullptr;
  if (model) QIMG_RETURN_IF_ERROR(EmbedImages(db(), config_, *model, options, &stats));
  if (text) QIMG_RETURN_IF_ERROR(EmbedOcrText(db(), *text, &stats));
  // Vectors of soft-deleted assets go (SPEC §8.3 step 4); the change log tells the indexes.
  QIMG_RETURN_IF_ERROR(db()->Exec(
      "DELETE FROM vectors WHERE asset_id IN (SELECT id FROM assets WHERE is_deleted = 1)"));
  stats.removed_deleted = db()->Changes();
  if (model) {
    QIMG_RETURN_IF_ERROR(SyncVectorIndex(db(), config_.vector_dir, model->model_id, model->dim,
                                         SyncMode::kPersist).status());
  }
  stats.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return stats;
}

Result<std::vector<SearchResult>> Engine::VectorSearch(const std::string& query,
                                                       const VectorSearchOptions& options,
                                                       VectorSearchInfo* info) {
  QIMG_ASSIGN_OR_RETURN(std::vector<ScoredId> kept, VectorScores(query, options, info));
  return Hydrate(db(), kept);
}

Result<std::vector<ScoredId>> Engine::VectorScores(const std::string& query,
                                                   const VectorSearchOptions& options,
                                                   VectorSearchInfo* info) {
  VectorSearchInfo local;
  if (!info) info = &local;
  if (Trim(query).empty()) return Status::InvalidArgument("vsearch needs a query");
  auto loaded = LoadImageModel(config_);
  if (!loaded.ok() && options.require_image_model) return loaded.status();
  std::optional<ImageModel> model;
  if (loaded.ok()) model = std::move(loaded).value();
  else info->notes.push_back("image channel skipped: " + loaded.status().message());
  if (model) info->model_id = model->model_id;
  const size_t limit = options.all ? 10000 : static_cast<size_t>(std::max(4 * options.num, 30));
  QIMG_ASSIGN_OR_RETURN(Allowed allowed, AllowedLabels(db(), options.filter));
  if (allowed.labels && allowed.labels->empty()) {
    info->notes.push_back("the filters match no assets");
    return std::vector<ScoredId>();
  }
  // Image channel: the query (or the average of its prompt texts) through the image model's
  // text tower.
  std::vector<std::pair<std::string, double>> image_hits;
  if (model) {
    std::vector<std::string> texts = options.image_prompts;
    if (texts.empty()) texts.push_back(query);
    // Once per loaded model (known prefixes cost a tokenization); a failure only costs speed.
    Status cached = model->pipeline->CacheTextPrefixes(ImagePromptPrefixes());
    if (!cached.ok()) info->notes.push_back("prompt prefixes not cached: " + cached.message());
    QIMG_ASSIGN_OR_RETURN(auto emb, model->pipeline->EncodeTexts(texts));
    std::vector<float> q(emb.dim, 0.0f);
    for (int r = 0; r < static_cast<int>(texts.size()); ++r) {
      std::vector<float> row(emb.row(r), emb.row(r) + emb.dim);
      Normalize(row.data(), emb.dim);
      for (int i = 0; i < emb.dim; ++i) q[i] += row[i];
    }
    Normalize(q.data(), emb.dim);
    QIMG_ASSIGN_OR_RETURN(auto h, SyncVectorIndex(db(), config_.vector_dir, model->model_id, model->dim, SyncMode::kQuery));
    info->notes.push_back(h->note);
    QIMG_ASSIGN_OR_RETURN(auto hits, SearchIndex(h.get(), q, limit, allowed));
    info->notes.push_back(TextImageScoreNote(*model->pipeline));
    for (const auto& n : hits)
      image_hits.push_back({LabelToAssetId(n.label), TextImageScore(*model->pipeline, n.similarity)});
    if (h->index->size() == 0) info->notes.push_back("no image vectors for " + model->model_id + " (run `qimg embed`)");
  }
  // OCR vector channel (when a text encoder exists).
  std::vector<std::pair<std::string, double>> ocr_hits;
  auto text = LoadTextEncoder(config_);
  if (!text.ok()) {
    info->notes.push_back("OCR vector channel skipped: " + text.status().message());
  } else {
    QIMG_ASSIGN_OR_RETURN(auto qv, (*text)->EncodeQueries({query}));
    std::string ocr_model = (*text)->model_id() + ":ocr";
    QIMG_ASSIGN_OR_RETURN(auto h, SyncVectorIndex(db(), config_.vector_dir, ocr_model, (*text)->dim(), SyncMode::kQuery));
    QIMG_ASSIGN_OR_RETURN(auto hits, SearchIndex(h.get(), qv[0], limit, allowed));
    for (const auto& n : hits) ocr_hits.push_back({LabelToAssetId(n.label), (n.similarity + 1.0) / 2.0});
  }
  QIMG_ASSIGN_OR_RETURN(auto lex, OcrLexicalScores(db(), query, options.filter));
  std::vector<std::pair<std::string, double>> lex_hits(lex.begin(), lex.end());
  std::stable_sort(lex_hits.begin(), lex_hits.end(), [](auto& a, auto& b) { return a.second > b.second; });
  if (lex_hits.size() > limit) lex_hits.resize(limit);

  const bool texty = IsTextyQuery(query);
  const double image_w = texty ? 0.90 : 1.0, ocr_w = texty ? 1.35 : 1.10;
  std::vector<ScoredId> merged;
  std::map<std::string, size_t> pos;
  auto entry = [&](const std::string& id) -> ScoredId& {
    auto [it, fresh] = pos.emplace(id, merged.size());
    if (fresh) {
      merged.push_back({});
      merged.back().id = id;
    }
    return merged[it->second];
  };
  for (auto& [id, s] : image_hits) {
    ScoredId& e = entry(id);
    e.scores.vector_image = s;
    e.scores.overall = std::max(e.scores.overall, std::min(1.0, s * image_w));
  }
  for (auto& [id, s] : ocr_hits) {
    ScoredId& e = entry(id);
    e.scores.vector_ocr = s;
    e.scores.overall = std::max(e.scores.overall, std::min(1.0, s * ocr_w));
  }
  for (auto& [id, s] : lex_hits) {
    ScoredId& e = entry(id);
    e.scores.lexical_ocr = s;
    e.scores.overall = std::max(e.scores.overall, std::min(1.0, s * 1.15));
  }
  std::stable_sort(merged.begin(), merged.end(),
                   [](const ScoredId& a, const ScoredId& b) { return a.scores.overall > b.scores.overall; });
  std::vector<ScoredId> kept;
  for (auto& m : merged) {
    if (options.min_score > 0 && m.scores.overall < options.min_score) continue;
    m.scores.vector = m.scores.overall;
    kept.push_back(std::move(m));
    if (!options.all && kept.size() >= static_cast<size_t>(options.num)) break;
  }
  return kept;
}

Result<std::vector<SearchResult>> Engine::Similar(const std::string& identifier,
                                                  const SimilarOptions& options) {
  QIMG_ASSIGN_OR_RETURN(AssetRow target, Resolve(identifier));
  const size_t n = static_cast<size_t>(std::max(options.num, 0));
  AssetFilter filter;
  filter.collection = options.collection;
  std::vector<std::pair<std::string, double>> scored;
  std::map<std::string, size_t> pos;
  auto offer = [&](const std::string& id, double s) {
    if (id == target.id) return;
    auto [it, fresh] = pos.emplace(id, scored.size());
    if (fresh) scored.push_back({id, s});
    else scored[it->second].second = std::max(scored[it->second].second, s);
  };
  // Vector neighbours: only the current image model's vector, never another model's.
  QIMG_ASSIGN_OR_RETURN(auto model_id, CurrentImageModelId(config_, db()));
  if (model_id) {
    QIMG_ASSIGN_OR_RETURN(auto qv, LoadVector(db(), target.id, *model_id));
    if (qv && !qv->empty()) {
      QIMG_ASSIGN_OR_RETURN(Allowed allowed, AllowedLabels(db(), filter));
      QIMG_ASSIGN_OR_RETURN(auto h, SyncVectorIndex(db(), config_.vector_dir, *model_id,
                                                    static_cast<int>(qv->size()), SyncMode::kQuery));
      QIMG_ASSIGN_OR_RETURN(auto hits, SearchIndex(h.get(), *qv, std::max<size_t>(30, 3 * n) + 1, allowed));
      for (const auto& hit : hits) offer(LabelToAssetId(hit.label), UnitScore(hit.similarity));
    }
  }
  // pHash neighbours: Hamming distance <= 8 scores 1 - d/8; hashes of another length are
  // skipped (the original stopped matching at the first one, SPEC §15.30).
  if (target.phash && !target.phash->empty()) {
    auto bits = [](const std::string& hex) -> std::optional<std::vector<uint64_t>> {
      std::vector<uint64_t> words;
      for (size_t i = 0; i < hex.size(); i += 16) {
        uint64_t w = 0;
        for (size_t j = i; j < std::min(hex.size(), i + 16); ++j) {
          char c = static_cast<char>(std::tolower(static_cast<unsigned char>(hex[j])));
          int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
          if (d < 0) return std::nullopt;
          w = (w << 4) | static_cast<uint64_t>(d);
        }
        words.push_back(w);
      }
      return words;
    };
    auto tb = bits(*target.phash);
    SqlCondition cond = AssetFilterSql(filter, 1);
    QIMG_ASSIGN_OR_RETURN(Statement st, db()->Prepare(
        "SELECT a.id, a.phash FROM assets a JOIN collections c ON c.id = a.collection_id "
        "WHERE a.phash IS NOT NULL AND " + cond.sql + " ORDER BY a.rowid"));
    BindSqlParams(st, cond.params, 1);
    while (tb) {
      QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      std::string ph = st.ColumnText(1);
      if (ph.size() != target.phash->size()) continue;
      auto ob = bits(ph);
      if (!ob) continue;
      int d = 0;
      for (size_t i = 0; i < ob->size(); ++i) d += std::popcount((*tb)[i] ^ (*ob)[i]);
      if (d <= 8) offer(st.ColumnText(0), 1.0 - d / 8.0);
    }
  }
  std::stable_sort(scored.begin(), scored.end(), [](auto& a, auto& b) { return a.second > b.second; });
  if (scored.size() > n) scored.resize(n);
  std::vector<ScoredId> ids;
  for (auto& [id, s] : scored) {
    ScoredId x;
    x.id = id;
    x.scores.overall = s;
    x.scores.vector = s;
    ids.push_back(std::move(x));
  }
  return Hydrate(db(), ids);
}

Result<RepairStats> Engine::RepairVectorIndexes() {
  RepairStats r;
  QIMG_ASSIGN_OR_RETURN(auto current, CurrentImageModelId(config_, db()));
  r.model_id = current;
  QIMG_ASSIGN_OR_RETURN(auto models, ListStoredModels(db()));
  std::set<std::string> keep;
  for (const auto& m : models) {
    if (EndsWith(m.model_id, ":ocr") || m.dim <= 0) continue;
    QIMG_ASSIGN_OR_RETURN(auto h, SyncVectorIndex(db(), config_.vector_dir, m.model_id, m.dim, SyncMode::kRebuild));
    std::shared_lock<std::shared_mutex> lock(h->mu);
    VectorIndexReport rep{m.model_id, m.dim, static_cast<int64_t>(h->index->size()), h->index->path(),
                          h->index->has_graph()};
    keep.insert(BaseName(rep.path));
    if (current && *current == m.model_id) {
      r.repaired = rep.vectors;
      r.dim = m.dim;
    }
    r.indexes.push_back(std::move(rep));
  }
  // Index files (and their graphs) of models that have no vectors any more.
  if (StatPath(config_.vector_dir).is_dir) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(config_.vector_dir, ec)) {
      std::string name = e.path().filename().string();
      std::string base = EndsWith(name, ".hnsw") ? name.substr(0, name.size() - 5) : name;
      if (!StartsWith(name, "image-") || !EndsWith(base, kVectorIndexSuffix) || keep.count(base)) continue;
      std::filesystem::remove(e.path(), ec);
      if (!ec) r.removed_files.push_back(e.path().string());
      ForgetVectorIndex(JoinPath(config_.vector_dir, base));
    }
  }
  return r;
}

}  // namespace qimg
