// Engine::ExtractFacts: `facts extract` (SPEC §6.3 with §15.1-3 and 20-24 fixed).
// Per batch: a worker pool decodes each asset and runs the per-image channels (derived pixels,
// OCR with one Tesseract engine per worker thread); this thread encodes the batch's images with
// CLIP for tags and captions, then writes everything in one transaction that also refreshes the
// touched assets' lexical docs. A failure of one asset or channel is counted and never touches
// the facts it would have replaced.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "app/engine.h"
#include "app/model_locator.h"
#include "base/fs.h"
#include "base/text.h"
#include "base/thread_pool.h"
#include "base/time_util.h"
#include "facts/clip_labeler.h"
#include "facts/derived.h"
#include "facts/filename_fallback.h"
#include "facts/object_facts.h"
#include "facts/ocr.h"
#include "media/colour.h"
#include "media/decode.h"
#include "media/media_init.h"
#include "media/pil_resample.h"
#include "nn/detr_detector.h"
#include "nn/image_text_model.h"
#include "store/lexical_store.h"

namespace qimg {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// What the workers produce for one asset.
struct AssetWork {
  AssetRow asset;
  Status decode_status;
  RgbImage clip_image;  // at most kClipSide on the shorter side
  bool ocr_ran = false;
  Status ocr_status;
  facts::OcrResult ocr;
  double ocr_seconds = 0;
  std::vector<facts::ExtractedFact> derived;
  // The detector's resized input (DetrImageProcessor's resize, done on the worker) and the
  // decoded size the boxes refer to.
  RgbImage detr_image;
  int width = 0, height = 0;
  Status detr_status;
};

// CLIP preprocessing resizes the shorter side to ~224: keep a little more so its own resize
// does the final (exact) step, and never hold full-size pixels for a whole batch.
constexpr int kClipSide = 448;

RgbImage ForClip(const RgbImage& img) {
  const int shorter = std::min(img.width, img.height);
  if (shorter <= kClipSide) return img;
  const double s = static_cast<double>(kClipSide) / shorter;
  return ResizePil(img, std::max(1, static_cast<int>(img.width * s + 0.5)),
                   std::max(1, static_cast<int>(img.height * s + 0.5)), PilFilter::kBicubic);
}

class Progress {
 public:
  Progress(bool enabled, int total) : enabled_(enabled), total_(total), start_(Clock::now()) {}
  void Tick(int done) {
    if (!enabled_) return;
    const double secs = Since(start_);
    const double rate = secs > 0 ? done / secs : 0;
    std::fprintf(stderr, "\rfacts: %d/%d images  %.1f images/s  ETA %.0fs   ", done, total_, rate,
                 rate > 0 ? (total_ - done) / rate : 0.0);
    if (done == total_) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  bool enabled_;
  int total_;
  Clock::time_point start_;
};

FactRow ToRow(const facts::ExtractedFact& f, const std::string& asset_id, const std::string& source,
              const std::string& ts) {
  FactRow r;
  r.asset_id = asset_id;
  r.fact_type = f.fact_type;
  r.key = f.key;
  r.value_text = f.value_text;
  r.value_json = f.value_json;
  r.confidence = f.confidence;
  r.source = source;
  r.created_at = ts;
  r.updated_at = ts;
  return r;
}

Result<bool> HasFactOfSource(Database* db, const std::string& asset_id, const std::string& type,
                             const std::string& source) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT 1 FROM facts WHERE asset_id = ?1 AND fact_type = ?2 AND source = ?3 "
      "AND TRIM(COALESCE(value_text, '')) <> '' LIMIT 1"));
  st.Bind(1, asset_id).Bind(2, type).Bind(3, source);
  return st.Step();
}

}  // namespace

Result<FactsExtractStats> Engine::ExtractFacts(const FactsExtractOptions& in) {
  const auto started = Clock::now();
  FactsExtractOptions o = in;
  if (!o.caption && !o.tags && !o.objects && !o.ocr && !o.derived)
    o.caption = o.tags = o.objects = o.ocr = o.derived = true;
  FactsExtractStats stats;

  // Targets: every identifier must resolve (an unresolved id is an error, never "everything").
  std::vector<AssetRow> targets;
  if (!o.identifiers.empty()) {
    std::set<std::string> seen;
    for (const auto& ident : o.identifiers) {
      auto a = Resolve(ident);
      if (!a.ok()) return a.status();
      if (seen.insert(a->id).second) targets.push_back(*a);
    }
    stats.scoped_assets = static_cast<int>(targets.size());
    std::erase_if(targets, [](const AssetRow& a) { return a.is_deleted; });
  } else {
    QIMG_ASSIGN_OR_RETURN(targets, ListActiveAssets(db()));
  }
  QIMG_RETURN_IF_ERROR(InitMedia());

  // Channel availability, decided once up front.
  facts::OcrOptions ocr_options;
  ocr_options.languages = config_.ocr.languages;
  if (o.ocr) {
    auto probe = facts::ThreadLocalOcr(ocr_options);
    if (!probe.ok()) {
      stats.ocr_runtime_available = false;
      stats.ocr_message = probe.status().message();
    } else {
      stats.ocr_source = (*probe)->SourceName();
    }
  }
  // The detector, when objects.model is installed and loads; otherwise the channel is skipped
  // and existing object facts stay (the original deleted them first, SPEC §15.21).
  std::unique_ptr<nn::DetrDetector> detector;
  if (o.objects) {
    auto dir = LocateModel(config_, config_.objects.model, ModelKind::kObject);
    if (dir.ok()) {
      auto d = nn::DetrDetector::Load(*dir);
      if (d.ok()) {
        detector = std::move(*d);
        stats.object_source = facts::ObjectSource(config_.objects.model);
      } else {
        stats.object_model_message = "object detector " + Trim(config_.objects.model) +
                                     " failed to load: " + d.status().ToString() +
                                     "; existing object facts are kept";
      }
    } else {
      stats.object_model_message = dir.status().message() + "; existing object facts are kept";
    }
    stats.object_runtime_available = detector != nullptr;
  }
  std::unique_ptr<nn::ImageTextModel> clip;
  std::unique_ptr<facts::ClipLabeler> labeler;
  const bool want_clip = o.tags || o.caption;
  if (want_clip) {
    auto dir = LocateModel(config_, config_.embed.model, ModelKind::kImage);
    if (dir.ok()) {
      auto p = nn::LoadImageTextModel(*dir);
      if (p.ok()) {
        facts::LabelerOptions lo;
        lo.threshold = config_.facts.tag_threshold;
        lo.top_k = config_.facts.tag_top_k;
        lo.cache_dir = JoinPath(DirName(config_.db_path), "label_cache");
        auto l = facts::ClipLabeler::Create(p->get(), facts::ModelKey(*dir), lo);
        if (l.ok()) {
          stats.label_cache = (*l)->cache_path();
          stats.label_cache_hit = (*l)->loaded_from_cache();
          clip = std::move(*p);
          labeler = std::move(*l);
        } else {
          stats.image_model_message = l.status().ToString();
        }
      } else {
        stats.image_model_message = p.status().ToString();
      }
    } else {
      stats.image_model_message = dir.status().message();
    }
    stats.image_model_available = labeler != nullptr;
    stats.filename_fallback = !labeler;
  }
  const std::string model_setting = Trim(config_.embed.model);
  const std::string tag_source =
      labeler ? facts::kZeroShotSourcePrefix + model_setting : facts::kFilenameTagSource;
  const std::string caption_source =
      labeler ? facts::kClipCaptionSourcePrefix + model_setting : facts::kFilenameCaptionSource;
  if (o.tags) stats.tag_source = tag_source;
  if (o.caption) stats.caption_source = caption_source;
  if (o.derived) stats.derived_source = facts::kDerivedSource;

  const bool run_ocr = o.ocr && stats.ocr_runtime_available;
  const bool need_pixels = o.derived || run_ocr || (want_clip && labeler) || detector;
  // Full resolution for OCR (small text) and the detector (its boxes are in the file's pixels
  // and its resize must see the pixels Pillow would); the other channels read a thumbnail.
  const int decode_hint =
      (run_ocr || detector) ? 0 : (labeler ? kClipSide : facts::kDerivedThumbSide);

  ThreadPool pool(o.threads);
  Progress progress(o.progress, static_cast<int>(targets.size()));
  const size_t batch = static_cast<size_t>(std::max(1, o.batch_size));
  int done = 0;
  for (size_t start = 0; start < targets.size(); start += batch) {
    const size_t end = std::min(targets.size(), start + batch);
    std::vector<AssetWork> work(end - start);
    for (size_t i = start; i < end; ++i) work[i - start].asset = targets[i];
    if (need_pixels) {
      for (AssetWork& w : work) {
        pool.Submit([&w, &o, &ocr_options, run_ocr, decode_hint, &labeler, &detector] {
          auto img = DecodeRgb(w.asset.abs_path, decode_hint);
          if (!img.ok()) {
            w.decode_status = img.status();
            return;
          }
          if (o.derived) {
            w.derived = facts::DerivedFacts(img->width, img->height,
                                            AnalyzeColours(facts::DerivedThumbnail(*img)));
          }
          if (run_ocr) {
            const auto t = Clock::now();
            w.ocr_ran = true;
            auto engine = facts::ThreadLocalOcr(ocr_options);
            if (!engine.ok()) {
              w.ocr_status = engine.status();
            } else {
              auto r = (*engine)->Recognize(*img);
              if (r.ok()) w.ocr = std::move(*r);
              else w.ocr_status = r.status();
            }
            w.ocr_seconds = Since(t);
          }
          if (labeler) w.clip_image = ForClip(*img);
          if (detector) {
            w.width = img->width;
            w.height = img->height;
            auto r = nn::DetrResize(detector->processor(), *img);
            if (r.ok()) w.detr_image = std::move(*r);
            else w.detr_status = r.status();
          }
        });
      }
      pool.Wait();
    }

    // CLIP tags and captions for the batch's decoded images.
    std::vector<std::vector<facts::ExtractedFact>> tag_facts(work.size()), caption_facts(work.size());
    std::vector<Status> clip_status(work.size());
    if (labeler) {
      const auto t = Clock::now();
      std::vector<RgbImage> images;
      std::vector<size_t> which;
      for (size_t i = 0; i < work.size(); ++i) {
        if (!work[i].decode_status.ok()) continue;
        images.push_back(std::move(work[i].clip_image));
        which.push_back(i);
      }
      if (!images.empty()) {
        auto emb = clip->EncodeImages(images, config_.embed.batch_size);
        if (!emb.ok()) {
          for (size_t i : which) clip_status[i] = emb.status();
        } else {
          nn::NormalizeRows(&*emb);
          std::vector<std::vector<facts::RankedLabel>> rankings;
          for (size_t k = 0; k < which.size(); ++k) {
            rankings.push_back(labeler->Rank(emb->row(static_cast<int>(k))));
            if (o.tags) tag_facts[which[k]] = labeler->Tags(rankings.back());
          }
          if (o.caption) {
            auto caps = labeler->Captions(*emb, rankings);
            if (!caps.ok()) {
              for (size_t i : which) clip_status[i] = caps.status();
            } else {
              for (size_t k = 0; k < which.size(); ++k) caption_facts[which[k]] = {(*caps)[k]};
            }
          }
        }
      }
      stats.tag_seconds += Since(t);
    }

    // Objects, one image at a time on this thread (the forward pass uses every core).
    std::vector<std::vector<facts::ExtractedFact>> object_facts(work.size());
    if (detector) {
      for (size_t i = 0; i < work.size(); ++i) {
        AssetWork& w = work[i];
        if (!w.decode_status.ok() || !w.detr_status.ok()) continue;
        auto dets = detector->DetectResized(w.detr_image, w.height, w.width, facts::kObjectThreshold);
        if (dets.ok()) object_facts[i] = facts::ObjectFacts(*dets);
        else w.detr_status = dets.status();
        w.detr_image = {};
      }
    }

    Transaction tx(db());
    QIMG_RETURN_IF_ERROR(tx.begin_status());
    std::vector<std::string> touched;
    const std::string ts = NowIso();
    auto fail = [&stats](const AssetWork& w, const std::string& channel, const Status& s) {
      ++stats.errors;
      stats.failures.push_back({w.asset.id, SanitizeUtf8(w.asset.rel_path), channel, s.ToString()});
    };
    auto replace = [&](const AssetWork& w, const char* type, const std::string& source,
                       const std::vector<facts::ExtractedFact>& facts_in, int* counter) -> Status {
      QIMG_RETURN_IF_ERROR(DeleteFacts(db(), w.asset.id, type, source).status());
      for (const auto& f : facts_in) {
        QIMG_ASSIGN_OR_RETURN(bool written, InsertFact(db(), ToRow(f, w.asset.id, source, ts)));
        if (written && counter) ++*counter;
      }
      return Status::Ok();
    };
    for (size_t i = 0; i < work.size(); ++i) {
      AssetWork& w = work[i];
      ++stats.processed;
      if (need_pixels && !w.decode_status.ok()) {
        fail(w, "decode", w.decode_status);
        if (o.objects && !detector) ++stats.object_skipped_unavailable;
        if (o.ocr && !run_ocr) ++stats.ocr_skipped_unavailable;
        continue;
      }
      bool changed = false;
      if (o.derived) {
        QIMG_RETURN_IF_ERROR(replace(w, "derived", facts::kDerivedSource, w.derived, &stats.derived));
        changed = true;
      }
      if (o.ocr) {
        if (!run_ocr) {
          ++stats.ocr_skipped_unavailable;
        } else if (!w.ocr_status.ok()) {
          fail(w, "ocr", w.ocr_status);  // previous OCR facts stay (SPEC §15.22)
        } else {
          std::vector<facts::ExtractedFact> f;
          if (!w.ocr.text.empty()) {
            facts::ExtractedFact x;
            x.fact_type = "ocr";
            x.value_text = w.ocr.text;
            x.confidence = std::round(w.ocr.mean_confidence * 100.0) / 10000.0;
            f.push_back(std::move(x));
          }
          int written = 0;
          QIMG_RETURN_IF_ERROR(replace(w, "ocr", stats.ocr_source, f, &written));
          stats.ocr += written;
          if (written == 0) ++stats.ocr_empty;
          stats.ocr_seconds += w.ocr_seconds;
          changed = true;
        }
      }
      if (o.tags) {
        if (labeler && !clip_status[i].ok()) {
          fail(w, "tags", clip_status[i]);
        } else {
          const auto f = labeler ? tag_facts[i] : facts::FilenameTags(w.asset.rel_path);
          QIMG_RETURN_IF_ERROR(replace(w, "tag", tag_source, f, &stats.tags));
          // Image tags supersede this channel's file-name fallback; metadata keywords
          // (xmp_keywords@1) and other sources are never touched.
          if (labeler) QIMG_RETURN_IF_ERROR(DeleteFacts(db(), w.asset.id, "tag", facts::kFilenameTagSource).status());
          changed = true;
        }
      }
      if (o.caption) {
        QIMG_ASSIGN_OR_RETURN(bool has_meta, HasFactOfSource(db(), w.asset.id, "caption", kXmpCaptionSource));
        if (labeler && !clip_status[i].ok()) {
          fail(w, "caption", clip_status[i]);
        } else {
          std::vector<facts::ExtractedFact> f;
          if (has_meta) {
            ++stats.captions_kept_metadata;  // the file's own description stays the caption
          } else {
            f = labeler ? caption_facts[i] : std::vector<facts::ExtractedFact>{facts::FilenameCaption(w.asset.rel_path)};
          }
          int written = 0;
          QIMG_RETURN_IF_ERROR(replace(w, "caption", caption_source, f, &written));
          if (labeler) QIMG_RETURN_IF_ERROR(DeleteFacts(db(), w.asset.id, "caption", facts::kFilenameCaptionSource).status());
          stats.captions += written;
          changed = true;
        }
      }
      // Objects replace only this detector's own facts; without a detector nothing is deleted.
      if (o.objects) {
        if (!detector) {
          ++stats.object_skipped_unavailable;
        } else if (!w.detr_status.ok()) {
          fail(w, "objects", w.detr_status);
        } else {
          QIMG_RETURN_IF_ERROR(replace(w, "object", stats.object_source, object_facts[i], &stats.objects));
          changed = true;
        }
      }
      if (changed) touched.push_back(w.asset.id);
    }
    QIMG_RETURN_IF_ERROR(RefreshLexical(db(), touched));
    QIMG_RETURN_IF_ERROR(tx.Commit());
    done += static_cast<int>(work.size());
    progress.Tick(done);
  }
  stats.seconds = Since(started);
  return stats;
}

nlohmann::ordered_json FactsExtractJson(const FactsExtractStats& s) {
  nlohmann::ordered_json o = nlohmann::ordered_json::object();
  o["processed"] = s.processed;
  o["captions"] = s.captions;
  o["tags"] = s.tags;
  o["objects"] = s.objects;
  o["ocr"] = s.ocr;
  o["errors"] = s.errors;
  o["object_runtime_available"] = s.object_runtime_available;
  o["object_skipped_unavailable"] = s.object_skipped_unavailable;
  o["ocr_runtime_available"] = s.ocr_runtime_available;
  o["ocr_skipped_unavailable"] = s.ocr_skipped_unavailable;
  o["scoped_assets"] = s.scoped_assets;
  o["derived"] = s.derived;
  o["ocr_empty"] = s.ocr_empty;
  o["captions_kept_metadata"] = s.captions_kept_metadata;
  o["image_model_available"] = s.image_model_available;
  o["filename_fallback"] = s.filename_fallback;
  o["label_cache"] = s.label_cache.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s.label_cache);
  o["label_cache_hit"] = s.label_cache_hit;
  nlohmann::ordered_json src = nlohmann::ordered_json::object();
  auto put = [&src](const char* k, const std::string& v) {
    src[k] = v.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(v);
  };
  put("caption", s.caption_source);
  put("tags", s.tag_source);
  put("objects", s.object_source);
  put("ocr", s.ocr_source);
  put("derived", s.derived_source);
  o["sources"] = src;
  nlohmann::ordered_json msgs = nlohmann::ordered_json::object();
  if (!s.image_model_message.empty()) msgs["image_model"] = s.image_model_message;
  if (!s.object_model_message.empty()) msgs["objects"] = s.object_model_message;
  if (!s.ocr_message.empty()) msgs["ocr"] = s.ocr_message;
  o["messages"] = msgs;
  nlohmann::ordered_json fails = nlohmann::ordered_json::array();
  for (const auto& f : s.failures) {
    fails.push_back({{"id", f.asset_id}, {"rel_path", f.rel_path}, {"channel", f.channel},
                     {"reason", SanitizeUtf8(f.reason)}});
  }
  o["failures"] = fails;
  o["seconds"] = std::round(s.seconds * 1000) / 1000;
  return o;
}

}  // namespace qimg
