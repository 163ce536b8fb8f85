// Throughput of the BERT / XLM-R text encoders (nn/bert_model.h) on bge-small-en-v1.5-shaped
// (BERT, 384 wide, 12 layers, 12 heads, ff 1536, vocab 30522) and BGE-M3-shaped (XLM-R, 1024
// wide, 24 layers, 16 heads, ff 4096, vocab 250002, 8194 positions) models with random weights
// assembled in memory as a safetensors image (the real loader path). Reports texts/s and texts
// per CPU-second for token lengths and batch sizes, plus peak resident memory.
//
//   text_bench [--model small|m3|all] [--threads 2] [--lengths 16,128,512] [--batches 1,16]
//              [--seconds 2] [--int8]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "base/text.h"
#include "nn/bert_model.h"
#include "nn/parallel.h"
#include "nn/safetensors_writer.h"

namespace qimg::nn {
namespace {

using Clock = std::chrono::steady_clock;

BertConfig MakeConfig(const std::string& name) {
  BertConfig c;
  c.act = Activation::kGelu;
  if (name == "small") {
    c.family = BertFamily::kBert;
    c.hidden_size = 384;
    c.num_layers = 12;
    c.num_heads = 12;
    c.intermediate_size = 1536;
    c.vocab_size = 30522;
    c.max_position_embeddings = 512;
    c.type_vocab_size = 2;
    c.pad_token_id = 0;
    c.layer_norm_eps = 1e-12f;
  } else {
    c.family = BertFamily::kXlmRoberta;
    c.hidden_size = 1024;
    c.num_layers = 24;
    c.num_heads = 16;
    c.intermediate_size = 4096;
    c.vocab_size = 250002;
    c.max_position_embeddings = 8194;
    c.type_vocab_size = 1;
    c.pad_token_id = 1;
    c.layer_norm_eps = 1e-5f;
  }
  return c;
}

// Deterministic pseudo-random values in [-scale, scale] (xorshift; fast for 250k x 1024).
std::vector<float> Random(size_t n, float scale, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t x = seed * 2654435761u + 1;
  for (float& f : v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    f = scale * (static_cast<float>(x & 0xffffff) / 8388608.0f - 1.0f);
  }
  return v;
}

std::string RandomCheckpoint(const BertConfig& c) {
  std::vector<TensorToWrite> t;
  uint32_t seed = 1;
  const int64_t d = c.hidden_size, ff = c.intermediate_size;
  auto add = [&](const std::string& name, std::vector<int64_t> shape, float scale,
                 float offset = 0) {
    size_t n = 1;
    for (int64_t s : shape) n *= static_cast<size_t>(s);
    std::vector<float> v = Random(n, scale, seed++);
    for (float& f : v) f += offset;
    // The big embedding table as BF16 (as many real checkpoints ship): half the bytes to build.
    if (name == "embeddings.word_embeddings.weight") {
      t.push_back(HalfTensor(name, shape, v, /*bf16=*/true));
    } else {
      t.push_back(F32Tensor(name, shape, v));
    }
  };
  add("embeddings.word_embeddings.weight", {c.vocab_size, d}, 0.05f);
  add("embeddings.position_embeddings.weight", {c.max_position_embeddings, d}, 0.05f);
  add("embeddings.token_type_embeddings.weight", {c.type_vocab_size, d}, 0.05f);
  add("embeddings.LayerNorm.weight", {d}, 0.1f, 1.0f);
  add("embeddings.LayerNorm.bias", {d}, 0.05f);
  for (int i = 0; i < c.num_layers; ++i) {
    const std::string p = "encoder.layer." + std::to_string(i) + ".";
    for (const char* n : {"attention.self.query", "attention.self.key", "attention.self.value",
                          "attention.output.dense"}) {
      add(p + n + ".weight", {d, d}, 0.05f);
      add(p + n + ".bias", {d}, 0.02f);
    }
    add(p + "intermediate.dense.weight", {ff, d}, 0.05f);
    add(p + "intermediate.dense.bias", {ff}, 0.02f);
    add(p + "output.dense.weight", {d, ff}, 0.03f);
    add(p + "output.dense.bias", {d}, 0.02f);
    for (const char* n : {"attention.output.LayerNorm", "output.LayerNorm"}) {
      add(p + n + ".weight", {d}, 0.1f, 1.0f);
      add(p + n + ".bias", {d}, 0.05f);
    }
  }
  return SerializeSafetensors(t);
}

void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }
double PeakRssMiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (StartsWith(line, "VmHWM:")) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}
double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int Main(int argc, char** argv) {
  std::string models = "all";
  int threads = 2;
  std::vector<int> lengths = {16, 128, 512};
  std::vector<int> batches = {1, 16};
  double seconds = 2;
  bool int8 = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--model") {
      models = next();
    } else if (a == "--threads") {
      threads = std::stoi(next());
    } else if (a == "--seconds") {
      seconds = std::stod(next());
    } else if (a == "--int8") {
      int8 = true;
    } else if (a == "--lengths" || a == "--batches") {
      std::vector<int>& dst = a == "--lengths" ? lengths : batches;
      dst.clear();
      for (const std::string& s : Split(next(), ',')) dst.push_back(std::stoi(s));
    } else {
      std::fprintf(stderr,
                   "usage: text_bench [--model small|m3|all] [--threads N] [--lengths 16,128,512] "
                   "[--batches 1,16] [--seconds S] [--int8]\n");
      return 2;
    }
  }
  SetNumThreads(threads);
  std::printf("threads %d, %s\n", NumThreads(), int8 ? "int8 encoder weights" : "fp32");
  std::printf("| model | tokens | batch | texts/s | ms/batch | texts/CPU-s | peak RSS MiB |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  std::vector<std::string> names =
      models == "all" ? std::vector<std::string>{"small", "m3"} : Split(models, ',');
  for (const std::string& name : names) {
    const BertConfig config = MakeConfig(name);
    const char* label = name == "small" ? "bge-small shape" : "BGE-M3 shape";
    std::unique_ptr<BertModel> model;
    {
      auto file = SafetensorsFile::FromBytes(RandomCheckpoint(config));
      if (!file.ok()) {
        std::fprintf(stderr, "%s\n", file.status().ToString().c_str());
        return 1;
      }
      BertLoadOptions options;
      options.int8 = int8;
      auto m = BertModel::FromCheckpoint(config, **file, options);
      if (!m.ok()) {
        std::fprintf(stderr, "%s\n", m.status().ToString().c_str());
        return 1;
      }
      model = std::move(m).value();
    }
    for (int len : lengths) {
      if (len > config.max_tokens()) continue;
      for (int batch : batches) {
        std::vector<std::vector<int32_t>> ids(static_cast<size_t>(batch));
        for (int b = 0; b < batch; ++b) {
          auto& row = ids[static_cast<size_t>(b)];
          row.push_back(name == "small" ? 101 : 0);
          for (int i = 1; i < len - 1; ++i) row.push_back(1000 + (i * 7919 + b * 104729) % 20000);
          row.push_back(name == "small" ? 102 : 2);
        }
        auto run = [&] {
          auto h = model->Forward(ids);
          if (!h.ok()) std::fprintf(stderr, "%s\n", h.status().ToString().c_str());
          (void)BertModel::Pool(*h, Pooling::kCls);
        };
        run();  // warm-up: scratch buffers, page faults
        ResetPeakRss();
        const auto t0 = Clock::now();
        const double c0 = CpuSeconds();
        int iters = 0;
        do {
          run();
          ++iters;
        } while (std::chrono::duration<double>(Clock::now() - t0).count() < seconds);
        const double wall = std::chrono::duration<double>(Clock::now() - t0).count() / iters;
        const double cpu = (CpuSeconds() - c0) / iters;
        std::printf("| %s | %d | %d | %.1f | %.1f | %.1f | %.0f |\n", label, len, batch,
                    batch / wall, wall * 1e3, batch / cpu, PeakRssMiB());
        std::fflush(stdout);
      }
    }
  }
  return 0;
}

}  // namespace
}  // namespace qimg::nn

int main(int argc, char** argv) { return qimg::nn::Main(argc, argv); }
