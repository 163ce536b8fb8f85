// Engine::Update: walk collections, read changed files on a worker pool, write on this thread
// in batches (DESIGN §4). A crash loses at most the open batch; a bad file becomes a scan
// issue and never rolls back the rest.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <optional>
#include <mutex>
#include <set>

#include "app/engine.h"
#include "base/file_walk.h"
#include "base/fs.h"
#include "base/glob.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/text.h"
#include "base/thread_pool.h"
#include "base/time_util.h"
#include "media/decode.h"
#include "media/media_init.h"
#include "media/metadata.h"
#include "media/phash.h"
#include "media/probe.h"

namespace qimg {
namespace {

// Decoding for the perceptual hash only needs a small image: JPEG shrink-on-load keeps the
// shorter side >= this, which changes pHash bits only near the median (docs/media.md).
constexpr int kPhashDecodeHint = 256;

struct Job {
  int64_t collection_id = 0;
  std::string collection;
  WalkEntry entry;
  std::optional<AssetRow> existing;
};

struct FileOutcome {
  Job job;
  bool ok = false;
  std::string reason;
  ImageHeader header;
  std::optional<std::string> sha256;
  std::optional<std::string> phash;
  ImageMetadata metadata;
};

FileOutcome ProcessFile(Job job, bool compute_sha256) {
  FileOutcome out;
  out.job = std::move(job);
  const std::string& path = out.job.entry.abs_path;
  auto header = ProbeImage(path);
  if (!header.ok()) {
    out.reason = header.status().message();
    return out;
  }
  out.header = *header;
  if (compute_sha256) {
    auto sha = Sha256File(path);
    if (!sha.ok()) {
      out.reason = sha.status().message();
      return out;
    }
    out.sha256 = *sha;
  }
  auto pixels = DecodeRgb(path, kPhashDecodeHint);
  if (!pixels.ok()) {
    out.reason = "cannot decode: " + pixels.status().message();
    return out;
  }
  std::string ph = PerceptualHash(*pixels);
  if (!ph.empty()) out.phash = ph;
  auto md = ReadMetadata(path);
  if (md.ok()) out.metadata = std::move(*md);
  out.ok = true;
  return out;
}

class Progress {
 public:
  Progress(bool enabled, int total) : enabled_(enabled), total_(total), start_(Clock::now()) {}
  void Tick(int done) {
    if (!enabled_) return;
    auto now = Clock::now();
    if (done != total_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double rate = secs > 0 ? done / secs : 0;
    double eta = rate > 0 ? (total_ - done) / rate : 0;
    std::fprintf(stderr, "\rupdate: %d/%d files  %.1f files/s  ETA %.0fs   ", done, total_, rate, eta);
    if (done == total_) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  int total_;
  Clock::time_point start_;
  Clock::time_point last_;
};

std::string ExifJson(const ImageMetadata& md) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  // The original's keys first, so results and tools written for it keep working.
  if (md.capture_time) j["datetime"] = *md.capture_time;
  if (md.model) j["camera_model"] = *md.model;
  nlohmann::ordered_json rest = ToJson(md);
  for (auto it = rest.begin(); it != rest.end(); ++it) j[it.key()] = it.value();
  return j.dump();
}

}  // namespace

Result<UpdateStats> Engine::Update(const UpdateOptions& options) {
  QIMG_RETURN_IF_ERROR(InitMedia());
  auto started = std::chrono::steady_clock::now();
  UpdateStats stats;
  QIMG_ASSIGN_OR_RETURN(auto collections, qimg::ListCollections(db()));
  // Oldest collection first: when collections overlap, the file belongs to the first one.
  std::sort(collections.begin(), collections.end(),
            [](const CollectionRow& a, const CollectionRow& b) { return a.id < b.id; });
  std::vector<Job> jobs;
  std::vector<std::string> deleted_ids;
  std::vector<ScanIssueRow> walk_issues;
  std::string now = NowIso();
  for (const auto& c : collections) {
    if (options.collection && c.name != *options.collection) continue;
    FileStat root = StatPath(c.root_path);
    if (!root.exists || !root.is_dir) {
      LogWarning("collection '" + c.name + "': root " + c.root_path + " is missing; skipped");
      continue;
    }
    auto mask = GlobMask::Compile(c.mask);
    if (!mask.ok()) return mask.status().WithContext("collection '" + c.name + "' mask");
    QIMG_ASSIGN_OR_RETURN(auto known, LoadCollectionAssets(db(), c.id));
    QIMG_ASSIGN_OR_RETURN(auto issues, LoadScanIssues(db(), c.id));
    std::set<std::string> seen;
    Status walk = WalkTree(c.root_path, {}, [&](WalkEntry e) {
      if (!mask->Matches(e.rel_path)) return;
      ++stats.scanned;
      seen.insert(e.rel_path);
      auto it = known.find(e.rel_path);
      if (it != known.end() && !it->second.is_deleted && it->second.size == e.size &&
          std::abs(it->second.mtime - e.mtime) <= 1e-6 && it->second.abs_path == e.abs_path) {
        ++stats.unchanged;
        return;
      }
      auto iss = issues.find(e.rel_path);
      if (it == known.end() && iss != issues.end() && iss->second.size == e.size &&
          std::abs(iss->second.mtime - e.mtime) <= 1e-6) {
        ++stats.skipped;  // known bad and unchanged: do not retry
        return;
      }
      Job j;
      j.collection_id = c.id;
      j.collection = c.name;
      j.entry = std::move(e);
      if (it != known.end()) j.existing = it->second;
      jobs.push_back(std::move(j));
    }, [&](WalkProblem p) {
      if (!mask->Matches(p.rel_path)) return;
      ScanIssueRow r;
      r.collection_id = c.id;
      r.collection = c.name;
      r.rel_path = p.rel_path;
      r.abs_path = JoinPath(c.root_path, p.rel_path);
      r.reason = p.reason;
      r.updated_at = now;
      walk_issues.push_back(r);
    });
    if (!walk.ok()) return walk.WithContext("collection '" + c.name + "'");
    for (const auto& [rel, a] : known) {
      if (!a.is_deleted && !seen.count(rel)) deleted_ids.push_back(a.id);
    }
  }

  // Workers read and decode; this thread writes, in job order: when collections overlap the
  // oldest collection's job for a file must be committed first whichever worker finishes first,
  // so the same file always lands in the same collection.
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::optional<FileOutcome>> outcomes(jobs.size());
  size_t produced = 0;
  {
    ThreadPool pool(options.threads);
    bool sha = config_.compute_sha256;
    for (size_t i = 0; i < jobs.size(); ++i) {
      pool.Submit([&mu, &cv, &outcomes, &produced, sha, i, job = std::move(jobs[i])]() mutable {
        FileOutcome o = ProcessFile(std::move(job), sha);
        std::lock_guard<std::mutex> lock(mu);
        outcomes[i] = std::move(o);
        ++produced;
        cv.notify_one();
      });
    }
    Progress progress(options.progress, static_cast<int>(jobs.size()));
    size_t consumed = 0;
    while (consumed < jobs.size()) {
      std::vector<FileOutcome> batch;
      {
        std::unique_lock<std::mutex> lock(mu);
        auto in_order_ready = [&] {
          size_t n = 0;
          while (consumed + n < outcomes.size() && outcomes[consumed + n]) ++n;
          return n;
        };
        cv.wait_for(lock, std::chrono::milliseconds(500), [&] {
          return in_order_ready() >= static_cast<size_t>(options.batch_size) ||
                 produced == jobs.size();
        });
        for (size_t k = consumed; k < outcomes.size() && outcomes[k]; ++k) {
          batch.push_back(std::move(*outcomes[k]));
          outcomes[k].reset();
          if (batch.size() >= static_cast<size_t>(std::max(1, options.batch_size))) break;
        }
      }
      if (batch.empty()) continue;
      Transaction tx(db());
      QIMG_RETURN_IF_ERROR(tx.begin_status());
      std::vector<std::string> touched;
      for (auto& o : batch) {
        ++consumed;
        const WalkEntry& e = o.job.entry;
        std::string ts = NowIso();
        if (o.ok) {
          auto holder = FindAssetByAbsPath(db(), e.abs_path);
          if (!holder.ok()) return holder.status();
          if (*holder && (!o.job.existing || (*holder)->id != o.job.existing->id)) {
            o.ok = false;
            o.reason = "same file already indexed as " + (*holder)->id + " (qimg://" +
                       (*holder)->collection + "/" + (*holder)->rel_path + ")";
          }
        }
        if (!o.ok) {
          ScanIssueRow r;
          r.collection_id = o.job.collection_id;
          r.collection = o.job.collection;
          r.rel_path = e.rel_path;
          r.abs_path = e.abs_path;
          r.reason = SanitizeUtf8(o.reason);
          r.size = e.size;
          r.mtime = e.mtime;
          r.updated_at = ts;
          QIMG_RETURN_IF_ERROR(UpsertScanIssue(db(), r));
          stats.issues.push_back(r);
          ++stats.skipped;
          if (o.job.existing && !o.job.existing->is_deleted) {
            QIMG_RETURN_IF_ERROR(MarkAssetDeleted(db(), o.job.existing->id, ts));
            touched.push_back(o.job.existing->id);
            ++stats.deleted;
          }
          continue;
        }
        AssetRow a;
        if (o.job.existing) {
          a = *o.job.existing;
          ++stats.changed;
        } else {
          QIMG_ASSIGN_OR_RETURN(a.id, AllocateAssetId(db(), o.job.collection_id, e.rel_path));
          a.created_at = ts;
          ++stats.added;
        }
        a.collection_id = o.job.collection_id;
        a.rel_path = e.rel_path;
        a.abs_path = e.abs_path;
        a.size = e.size;
        a.mtime = e.mtime;
        a.width = o.header.width;
        a.height = o.header.height;
        a.sha256 = o.sha256;
        a.phash = o.phash;
        a.updated_at = ts;
        a.is_deleted = false;
        a.format = o.header.format;
        a.captured_at = o.metadata.capture_time ? o.metadata.capture_time
                                                : std::optional<std::string>(LocalIsoFromEpoch(e.mtime));
        QIMG_RETURN_IF_ERROR(UpsertAsset(db(), a));
        QIMG_RETURN_IF_ERROR(DeleteScanIssue(db(), o.job.collection_id, e.rel_path));
        QIMG_RETURN_IF_ERROR(DeleteFacts(db(), a.id, "exif", kExifSource).status());
        QIMG_RETURN_IF_ERROR(DeleteFacts(db(), a.id, "tag", kXmpKeywordSource).status());
        QIMG_RETURN_IF_ERROR(DeleteFacts(db(), a.id, "caption", kXmpCaptionSource).status());
        const ImageMetadata& md = o.metadata;
        if (!md.empty()) {
          FactRow f;
          f.asset_id = a.id;
          f.fact_type = "exif";
          f.key = "all";
          f.value_json = ExifJson(md);
          f.source = kExifSource;
          f.created_at = ts;
          QIMG_RETURN_IF_ERROR(InsertFact(db(), f).status());
          for (const auto& kw : md.keywords) {
            FactRow t;
            t.asset_id = a.id;
            t.fact_type = "tag";
            t.key = ToLowerAscii(kw);
            t.value_text = kw;
            t.confidence = 1.0;
            t.source = kXmpKeywordSource;
            t.created_at = ts;
            QIMG_RETURN_IF_ERROR(InsertFact(db(), t).status());
          }
          if (md.description || md.title) {
            FactRow cap;
            cap.asset_id = a.id;
            cap.fact_type = "caption";
            cap.value_text = md.description ? *md.description : *md.title;
            cap.source = kXmpCaptionSource;
            cap.created_at = ts;
            QIMG_RETURN_IF_ERROR(InsertFact(db(), cap).status());
          }
        }
        touched.push_back(a.id);
        stats.changed_ids.push_back(a.id);
        stats.bytes_read += e.size;
      }
      QIMG_RETURN_IF_ERROR(RefreshDerived(touched));
      QIMG_RETURN_IF_ERROR(tx.Commit());
      progress.Tick(static_cast<int>(consumed));
    }
    pool.Wait();
  }

  // Disappeared files and walk problems, in one last transaction.
  Transaction tx(db());
  QIMG_RETURN_IF_ERROR(tx.begin_status());
  for (const auto& id : deleted_ids) {
    QIMG_RETURN_IF_ERROR(MarkAssetDeleted(db(), id, now));
    stats.changed_ids.push_back(id);
    ++stats.deleted;
  }
  QIMG_RETURN_IF_ERROR(RefreshDerived(deleted_ids));
  for (const auto& r : walk_issues) {
    QIMG_RETURN_IF_ERROR(UpsertScanIssue(db(), r));
    stats.issues.push_back(r);
    ++stats.skipped;
  }
  QIMG_RETURN_IF_ERROR(tx.Commit());
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return stats;
}

}  // namespace qimg
