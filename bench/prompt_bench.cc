// Latency of the hybrid query's image channel text work: the prompt ensemble of
// ImagePromptTemplates() ("{q}", "a photo of {q}.", ...) for a few short queries through a CLIP
// model folder's text tower, without and then with the templates' prefixes cached
// (ClipModel::CacheTextPrefixes, what Engine::VectorScores does once per loaded model). Prints
// the positions the tower runs per query, ms per query (wall and CPU) and texts per CPU-second,
// and the largest difference between the cached and uncached unit embeddings.
//
//   prompt_bench --model DIR [--threads 2] [--seconds 3] [--repeat R] [--int8]
// DIR is e.g. one written by `bench/make_random_clip.py DIR` (ViT-B/32 shapes, random weights).
// Run with OMP_WAIT_POLICY=passive so waiting threads do not spin into the CPU figures.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "base/text.h"
#include "nn/clip_pipeline.h"
#include "nn/parallel.h"
#include "search/query_expansion.h"

namespace qimg::nn {
namespace {

using Clock = std::chrono::steady_clock;

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Timing {
  double wall = 1e30;  // seconds per query, best window
  double cpu = 1e30;   // CPU seconds (all threads) per query, best window
};

// The best of `repeat` windows of at least `seconds` each, every call one query's ensemble.
template <typename F>
Timing TimePerQuery(F&& fn, double seconds, int repeat) {
  fn(0);  // warm-up (first touch of buffers, oneDNN JIT)
  Timing best;
  for (int r = 0; r < repeat; ++r) {
    auto t0 = Clock::now();
    double c0 = CpuSeconds();
    int iters = 0;
    do {
      fn(iters++);
    } while (std::chrono::duration<double>(Clock::now() - t0).count() < seconds);
    best.wall =
        std::min(best.wall, std::chrono::duration<double>(Clock::now() - t0).count() / iters);
    best.cpu = std::min(best.cpu, (CpuSeconds() - c0) / iters);
  }
  return best;
}

// The texts ExpandQuery builds for the image channel.
std::vector<std::string> Prompts(const std::string& query) {
  std::vector<std::string> out;
  for (const std::string& t : ImagePromptTemplates()) out.push_back(ReplaceAll(t, "{q}", query));
  return out;
}

int Main(int argc, char** argv) {
  std::string dir;
  int threads = 2;
  double seconds = 3;
  int repeat = 1;
  ClipLoadOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--model") {
      dir = next();
    } else if (a == "--threads") {
      threads = std::stoi(next());
    } else if (a == "--seconds") {
      seconds = std::stod(next());
    } else if (a == "--repeat") {
      repeat = std::max(1, std::stoi(next()));
    } else if (a == "--int8") {
      options.int8 = true;
    } else {
      dir.clear();
      break;
    }
  }
  if (dir.empty()) {
    std::fprintf(stderr,
                 "usage: prompt_bench --model DIR [--threads N] [--seconds S] [--repeat R] "
                 "[--int8]\n");
    return 2;
  }
  SetNumThreads(threads);
  auto loaded = ClipPipeline::Load(dir, options);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.status().ToString().c_str());
    return 1;
  }
  const ClipPipeline& pipeline = **loaded;
  const std::vector<std::string> queries = {"cat", "red sports car", "a dog playing on the beach",
                                            "sunset over snowy mountains",
                                            "birthday cake with candles"};
  std::vector<std::vector<std::string>> prompts;
  for (const std::string& q : queries) prompts.push_back(Prompts(q));
  auto positions = [&] {
    int64_t total = 0;
    for (const auto& p : prompts) {
      std::vector<std::vector<int32_t>> ids;
      for (const std::string& t : p) ids.push_back(pipeline.Tokenize(t).input_ids);
      total += pipeline.model().TextPositionsToRun(ids).value();
    }
    return static_cast<double>(total) / static_cast<double>(prompts.size());
  };
  auto encode_all = [&](std::vector<Embeddings>* out) {
    for (const auto& p : prompts) {
      auto e = pipeline.EncodeTexts(p);
      if (!e.ok()) return false;
      NormalizeRows(&*e);
      out->push_back(std::move(e).value());
    }
    return true;
  };
  auto run = [&](int i) {
    (void)pipeline.EncodeTexts(prompts[static_cast<size_t>(i) % prompts.size()]);
  };

  std::printf("%s, threads %d, %s, %zu queries x %zu prompts\n", dir.c_str(), NumThreads(),
              options.int8 ? "int8 weights" : "fp32", queries.size(),
              ImagePromptTemplates().size());
  std::printf("| text tower | positions/query | ms/query | CPU ms/query | texts/CPU-s |\n");
  std::printf("|---|---|---|---|---|\n");
  std::vector<Embeddings> plain, cached;
  if (!encode_all(&plain)) return 1;
  const double plain_positions = positions();
  Timing t = TimePerQuery(run, seconds, repeat);
  const double n = static_cast<double>(ImagePromptTemplates().size());
  std::printf("| padded batch | %.1f | %.1f | %.1f | %.0f |\n", plain_positions, t.wall * 1e3,
              t.cpu * 1e3, n / t.cpu);

  std::vector<std::string> prefixes;
  for (const std::string& tpl : ImagePromptTemplates()) {
    const size_t at = tpl.find("{q}");
    if (at != std::string::npos) prefixes.push_back(tpl.substr(0, at));
  }
  const auto c0 = Clock::now();
  if (Status s = pipeline.CacheTextPrefixes(prefixes); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  const double fill_ms = std::chrono::duration<double>(Clock::now() - c0).count() * 1e3;
  if (!encode_all(&cached)) return 1;
  const double cached_positions = positions();
  t = TimePerQuery(run, seconds, repeat);
  std::printf("| prefixes cached | %.1f | %.1f | %.1f | %.0f |\n", cached_positions, t.wall * 1e3,
              t.cpu * 1e3, n / t.cpu);
  float worst = 0.0f;
  double min_cos = 1.0;
  for (size_t q = 0; q < plain.size(); ++q) {
    for (int r = 0; r < plain[q].rows; ++r) {
      double dot = 0.0;
      for (int i = 0; i < plain[q].dim; ++i) {
        worst = std::max(worst, std::fabs(plain[q].row(r)[i] - cached[q].row(r)[i]));
        dot += static_cast<double>(plain[q].row(r)[i]) * cached[q].row(r)[i];
      }
      min_cos = std::min(min_cos, dot);
    }
  }
  std::printf(
      "caching the %zu prefixes took %.1f ms (once per loaded model); cached vs padded unit "
      "embeddings: max abs diff %.2g, min cosine %.7f\n",
      prefixes.size(), fill_ms, worst, min_cos);
  return 0;
}

}  // namespace
}  // namespace qimg::nn

int main(int argc, char** argv) { return qimg::nn::Main(argc, argv); }
