// Throughput of the engine on ViT-B/32, ViT-B/16, ViT-L/14 (CLIP) and SigLIP 2 B/16 shaped
// models (siglip_bench_model.h) with random
// weights built in memory (the loader path is the real one: a safetensors image is assembled and
// parsed). Reports images/s and texts/s at several batch sizes, achieved GFLOP/s next to the
// machine's measured GEMM peak, and peak resident memory during inference. The PyTorch side of
// the comparison is bench/nn_bench_torch.py (same shapes, same thread count).
//
//   nn_bench [--model b32|b16|l14|siglip2-b16|all] [--threads 2] [--batches 1,8,32] [--int8]
//            [--seconds 3] [--no-texts] [--no-check] [--repeat R]
// Each figure is the best of R timing windows (default 1).
// With --int8 it first prints the smallest cosine between int8 and fp32 embeddings of the same
// random model (--no-check skips that).
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "base/text.h"
#include "siglip_bench_model.h"
#include "nn/clip_model.h"
#include "nn/parallel.h"
#include "nn/safetensors.h"
#include "nn/siglip_model.h"

namespace qimg::nn {
namespace {

using Clock = std::chrono::steady_clock;

ClipConfig MakeConfig(const std::string& name) {
  ClipConfig c;
  auto set = [](TransformerConfig* t, int hidden, int ff, int layers, int heads) {
    t->hidden_size = hidden;
    t->intermediate_size = ff;
    t->num_layers = layers;
    t->num_heads = heads;
    t->act = Activation::kQuickGelu;
  };
  set(&c.text, 512, 2048, 12, 8);
  set(&c.vision, 768, 3072, 12, 12);
  c.vision.image_size = 224;
  c.projection_dim = 512;
  if (name == "b32") {
    c.vision.patch_size = 32;
  } else if (name == "b16") {
    c.vision.patch_size = 16;
  } else {  // l14
    set(&c.text, 768, 3072, 12, 12);
    set(&c.vision, 1024, 4096, 24, 16);
    c.vision.patch_size = 14;
    c.projection_dim = 768;
  }
  return c;
}

// A safetensors image with every tensor CLIPModel needs, filled with small random values.
std::string RandomCheckpoint(const ClipConfig& c) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> tensors;
  auto add = [&](const std::string& n, std::vector<int64_t> s) {
    tensors.push_back({n, std::move(s)});
  };
  add("logit_scale", {});
  const auto& t = c.text;
  const auto& v = c.vision;
  add("text_model.embeddings.token_embedding.weight", {t.vocab_size, t.hidden_size});
  add("text_model.embeddings.position_embedding.weight",
      {t.max_position_embeddings, t.hidden_size});
  auto layers = [&](const std::string& prefix, const TransformerConfig& tc) {
    for (int i = 0; i < tc.num_layers; ++i) {
      std::string p = prefix + ".layers." + std::to_string(i) + ".";
      for (const char* ln : {"layer_norm1", "layer_norm2"}) {
        add(p + ln + ".weight", {tc.hidden_size});
        add(p + ln + ".bias", {tc.hidden_size});
      }
      for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
        add(p + "self_attn." + proj + ".weight", {tc.hidden_size, tc.hidden_size});
        add(p + "self_attn." + proj + ".bias", {tc.hidden_size});
      }
      add(p + "mlp.fc1.weight", {tc.intermediate_size, tc.hidden_size});
      add(p + "mlp.fc1.bias", {tc.intermediate_size});
      add(p + "mlp.fc2.weight", {tc.hidden_size, tc.intermediate_size});
      add(p + "mlp.fc2.bias", {tc.hidden_size});
    }
  };
  layers("text_model.encoder", t);
  add("text_model.final_layer_norm.weight", {t.hidden_size});
  add("text_model.final_layer_norm.bias", {t.hidden_size});
  add("text_projection.weight", {c.projection_dim, t.hidden_size});
  add("vision_model.embeddings.class_embedding", {v.hidden_size});
  add("vision_model.embeddings.patch_embedding.weight",
      {v.hidden_size, 3, v.patch_size, v.patch_size});
  add("vision_model.embeddings.position_embedding.weight", {v.num_positions(), v.hidden_size});
  add("vision_model.pre_layrnorm.weight", {v.hidden_size});
  add("vision_model.pre_layrnorm.bias", {v.hidden_size});
  layers("vision_model.encoder", v);
  add("vision_model.post_layernorm.weight", {v.hidden_size});
  add("vision_model.post_layernorm.bias", {v.hidden_size});
  add("visual_projection.weight", {c.projection_dim, v.hidden_size});

  std::string header = "{";
  uint64_t offset = 0;
  for (const auto& [name, shape] : tensors) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::string s;
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
    if (header.size() > 1) header += ",";
    header += "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[" + s + "],\"data_offsets\":[" +
              std::to_string(offset) + "," + std::to_string(offset + 4 * n) + "]}";
    offset += 4 * static_cast<uint64_t>(n);
  }
  header += "}";
  while (header.size() % 8) header += ' ';
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[static_cast<size_t>(i)] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  out += header;
  size_t data_start = out.size();
  out.resize(data_start + offset);
  // xorshift uniform in [-a, a] with a chosen per tensor so activations stay O(1).
  uint64_t state = 88172645463325252ull;
  size_t pos = data_start;
  for (const auto& [name, shape] : tensors) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    float a = 0.02f;
    bool ln_weight = name.find("norm") != std::string::npos && EndsWith(name, ".weight");
    if (name.find("_proj.weight") != std::string::npos || name.find("fc") != std::string::npos) {
      a = 1.7f / std::sqrt(static_cast<float>(shape.size() == 2 ? shape[1] : 1));
    }
    float* dst = reinterpret_cast<float*>(out.data() + pos);
    for (int64_t i = 0; i < n; ++i) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      float u = static_cast<float>(state >> 40) / static_cast<float>(1 << 24) * 2.0f - 1.0f;
      dst[i] = ln_weight ? 1.0f + 0.1f * u : a * u;
    }
    if (name == "logit_scale") dst[0] = std::log(100.0f);
    pos += 4 * static_cast<size_t>(n);
  }
  return out;
}

double VisionFlops(const ClipConfig& c) {
  const auto& v = c.vision;
  const double p = v.grid() * v.grid(), s = p + 1, d = v.hidden_size, f = v.intermediate_size;
  const double patch_in = 3.0 * v.patch_size * v.patch_size;
  const double layer = 2 * s * d * 3 * d + 4 * s * s * d + 2 * s * d * d + 4 * s * d * f;
  return 2 * p * patch_in * d + v.num_layers * layer + 2 * d * c.projection_dim;
}

double TextFlops(const ClipConfig& c, int seq) {
  const auto& t = c.text;
  const double s = seq, d = t.hidden_size, f = t.intermediate_size;
  const double layer = 2 * s * d * 3 * d + 4 * s * s * d + 2 * s * d * d + 4 * s * d * f;
  return t.num_layers * layer + 2 * d * c.projection_dim;
}

// Peak RSS since the last reset (Linux: writing 5 to clear_refs resets VmHWM).
void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }
double PeakRssMiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (StartsWith(line, "VmHWM:")) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

double GemmPeak(bool int8) {
  const int n = 2048;
  std::vector<float> a(static_cast<size_t>(n) * n, 0.5f), b(a), c(a.size());
  std::vector<uint8_t> au(a.size(), 3);
  std::vector<int8_t> bs(a.size(), 2);
  std::vector<int32_t> ci(a.size());
  const int32_t zero = 0;
  auto run = [&] {
    if (int8) {
      dnnl_gemm_u8s8s32('N', 'T', 'F', n, n, n, 1.0f, au.data(), n, 128, bs.data(), n, 0, 0.0f,
                        ci.data(), n, &zero);
    } else {
      dnnl_sgemm('N', 'T', n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    }
  };
  run();
  auto t0 = Clock::now();
  int iters = 0;
  while (std::chrono::duration<double>(Clock::now() - t0).count() < 1.0) {
    run();
    ++iters;
  }
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  return 2.0 * n * n * n * iters / secs / 1e9;
}

int g_repeat = 1;

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Timing {
  double wall = 1e30;  // seconds per call, best window
  double cpu = 1e30;   // CPU seconds (all threads) per call, best window
};

// The best of g_repeat windows of at least `seconds` each. On a shared machine the best window is
// the one least disturbed by other processes; CPU time per call is what the work costs whatever
// the machine's load (run with OMP_WAIT_POLICY=passive so waiting threads do not spin).
template <typename F>
Timing TimePerRun(F&& fn, double seconds) {
  fn();  // warm-up (first-touch of buffers, oneDNN JIT)
  Timing best;
  for (int r = 0; r < g_repeat; ++r) {
    auto t0 = Clock::now();
    double c0 = CpuSeconds();
    int iters = 0;
    do {
      fn();
      ++iters;
    } while (std::chrono::duration<double>(Clock::now() - t0).count() < seconds);
    best.wall =
        std::min(best.wall, std::chrono::duration<double>(Clock::now() - t0).count() / iters);
    best.cpu = std::min(best.cpu, (CpuSeconds() - c0) / iters);
  }
  return best;
}

// SigLIP 2 B/16: images, and texts at the 64 tokens the tower always runs (it attends to its
// padding, so there is no short-caption shortcut as for CLIP). False on a load failure.
bool BenchSiglip(const std::vector<int>& batches, bool int8, bool texts, double seconds) {
  const SiglipConfig config = Siglip2B16Config();
  const std::string label = "SigLIP 2 B/16";
  std::unique_ptr<SiglipModel> model;
  {
    auto file = SafetensorsFile::FromBytes(RandomSiglipCheckpoint(config));
    if (!file.ok()) {
      std::fprintf(stderr, "%s\n", file.status().ToString().c_str());
      return false;
    }
    ClipLoadOptions options;
    options.int8 = int8;
    auto m = SiglipModel::FromCheckpoint(config, **file, options);
    if (!m.ok()) {
      std::fprintf(stderr, "%s\n", m.status().ToString().c_str());
      return false;
    }
    model = std::move(m).value();
  }
  for (int batch : batches) {
    std::vector<float> pixels(static_cast<size_t>(batch) * model->PixelsPerImage());
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = std::sin(0.001f * static_cast<float>(i));
    ResetPeakRss();
    Timing t = TimePerRun([&] { (void)model->EncodePixels(pixels.data(), batch); }, seconds);
    const double flops = SiglipVisionFlops(config) * batch;
    std::printf("| %s | image | %d | %.2f | %.1f | %.0f | %.2f | %.0f | %.0f |\n", label.c_str(),
                batch, batch / t.wall, t.wall * 1e3, flops / t.wall / 1e9, batch / t.cpu,
                flops / t.cpu / 1e9, PeakRssMiB());
    std::fflush(stdout);
  }
  if (!texts) return true;
  const int len = config.text.max_position_embeddings;
  for (int batch : batches) {
    std::vector<std::vector<int32_t>> ids(static_cast<size_t>(batch), std::vector<int32_t>(len, 0));
    for (auto& row : ids) {
      for (int i = 0; i < 8; ++i) row[static_cast<size_t>(i)] = 1000 + 37 * i;
      row[8] = 1;  // <eos>, then <pad> = 0
    }
    ResetPeakRss();
    Timing t = TimePerRun([&] { (void)model->EncodeTokenIds(ids); }, seconds / 2);
    const double flops = SiglipTextFlops(config) * batch;
    std::printf("| %s | text (%d tok) | %d | %.1f | %.1f | %.0f | %.1f | %.0f | %.0f |\n",
                label.c_str(), len, batch, batch / t.wall, t.wall * 1e3, flops / t.wall / 1e9,
                batch / t.cpu, flops / t.cpu / 1e9, PeakRssMiB());
    std::fflush(stdout);
  }
  return true;
}

int Main(int argc, char** argv) {
  std::string models = "all";
  int threads = 2;
  std::vector<int> batches = {1, 8, 32};
  bool int8 = false;
  bool texts = true;
  bool check_int8 = true;
  double seconds = 3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--model")
      models = next();
    else if (a == "--threads")
      threads = std::stoi(next());
    else if (a == "--int8")
      int8 = true;
    else if (a == "--no-texts")
      texts = false;
    else if (a == "--no-check")
      check_int8 = false;
    else if (a == "--repeat")
      g_repeat = std::max(1, std::stoi(next()));
    else if (a == "--seconds")
      seconds = std::stod(next());
    else if (a == "--batches") {
      batches.clear();
      for (const std::string& b : Split(next(), ',')) batches.push_back(std::stoi(b));
    } else {
      std::fprintf(
          stderr,
          "usage: nn_bench [--model b32|b16|l14|siglip2-b16|all] [--threads N] "
          "[--batches 1,8,32] [--int8] [--seconds S] [--no-texts] [--no-check] [--repeat R]\n");
      return 2;
    }
  }
  SetNumThreads(threads);
  std::printf("threads %d, %s\n", NumThreads(), int8 ? "int8 weights" : "fp32");
  std::printf("GEMM peak (2048^3, oneDNN): sgemm %.0f GFLOP/s, u8s8s32 %.0f GOP/s\n",
              GemmPeak(false), GemmPeak(true));
  std::printf(
      "| model | input | batch | items/s | ms/batch | GFLOP/s | items/CPU-s | GFLOP/CPU-s | peak "
      "RSS MiB |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  std::vector<std::string> names =
      models == "all" ? std::vector<std::string>{"b32", "b16", "l14", "siglip2-b16"}
                      : Split(models, ',');
  for (const std::string& name : names) {
    if (name == "siglip2-b16") {
      if (!BenchSiglip(batches, int8, texts, seconds)) return 1;
      continue;
    }
    ClipConfig config = MakeConfig(name);
    std::unique_ptr<ClipModel> model;
    const std::string label = name == "b32" ? "ViT-B/32" : name == "b16" ? "ViT-B/16" : "ViT-L/14";
    {
      auto file = SafetensorsFile::FromBytes(RandomCheckpoint(config));
      if (!file.ok()) {
        std::fprintf(stderr, "%s\n", file.status().ToString().c_str());
        return 1;
      }
      ClipLoadOptions options;
      options.int8 = int8;
      auto m = ClipModel::FromCheckpoint(config, **file, options);
      if (!m.ok()) {
        std::fprintf(stderr, "%s\n", m.status().ToString().c_str());
        return 1;
      }
      model = std::move(m).value();
      if (int8 && check_int8) {
        // Agreement of the int8 path with fp32 on the same weights and inputs.
        auto ref = ClipModel::FromCheckpoint(config, **file);
        if (!ref.ok()) return 1;
        const int n = 8;
        std::vector<float> px(static_cast<size_t>(n) * model->PixelsPerImage());
        for (size_t i = 0; i < px.size(); ++i)
          px[i] = std::sin(0.0007f * static_cast<float>(i * (i % 7 + 1)));
        std::vector<std::vector<int32_t>> ids(n, std::vector<int32_t>(77, 49407));
        for (int b = 0; b < n; ++b) {
          ids[static_cast<size_t>(b)][0] = 49406;
          for (int i = 1; i < 10 + 5 * b; ++i)
            ids[static_cast<size_t>(b)][static_cast<size_t>(i)] = 300 + 37 * i + 1001 * b;
        }
        double worst_img = 1, worst_txt = 1;
        auto qi = model->EncodePixels(px.data(), n);
        auto fi = (*ref)->EncodePixels(px.data(), n);
        auto qt = model->EncodeTokenIds(ids);
        auto ft = (*ref)->EncodeTokenIds(ids);
        if (!qi.ok() || !fi.ok() || !qt.ok() || !ft.ok()) return 1;
        auto cosine = [](const float* a, const float* b, int d) {
          double ab = 0, aa = 0, bb = 0;
          for (int i = 0; i < d; ++i) {
            ab += static_cast<double>(a[i]) * b[i];
            aa += static_cast<double>(a[i]) * a[i];
            bb += static_cast<double>(b[i]) * b[i];
          }
          return ab / std::sqrt(aa * bb);
        };
        for (int b = 0; b < n; ++b) {
          worst_img = std::min(worst_img, cosine(qi->row(b), fi->row(b), qi->dim));
          worst_txt = std::min(worst_txt, cosine(qt->row(b), ft->row(b), qt->dim));
        }
        std::printf(
            "%s int8 vs fp32 (8 inputs, random weights): min cosine image %.5f, text %.5f\n",
            label.c_str(), worst_img, worst_txt);
      }
    }
    for (int batch : batches) {
      std::vector<float> pixels(static_cast<size_t>(batch) * model->PixelsPerImage());
      for (size_t i = 0; i < pixels.size(); ++i)
        pixels[i] = std::sin(0.001f * static_cast<float>(i));
      ResetPeakRss();
      Timing t = TimePerRun([&] { (void)model->EncodePixels(pixels.data(), batch); },
                            name == "l14" ? seconds / 3 : seconds);
      const double flops = VisionFlops(config) * batch;
      std::printf("| %s | image | %d | %.2f | %.1f | %.0f | %.2f | %.0f | %.0f |\n", label.c_str(),
                  batch, batch / t.wall, t.wall * 1e3, flops / t.wall / 1e9, batch / t.cpu,
                  flops / t.cpu / 1e9, PeakRssMiB());
      std::fflush(stdout);
    }
    if (!texts) continue;
    for (int batch : batches) {
      // Full-length rows (77 tokens, EOS last), the worst case and what PyTorch always runs.
      std::vector<std::vector<int32_t>> ids(static_cast<size_t>(batch), std::vector<int32_t>(77));
      for (auto& row : ids) {
        for (int i = 0; i < 77; ++i) row[static_cast<size_t>(i)] = 1000 + i;
        row[0] = 49406;
        row[76] = 49407;
      }
      ResetPeakRss();
      Timing t = TimePerRun([&] { (void)model->EncodeTokenIds(ids); }, seconds / 2);
      double flops = TextFlops(config, 77) * batch;
      std::printf("| %s | text (77 tok) | %d | %.1f | %.1f | %.0f | %.1f | %.0f | %.0f |\n",
                  label.c_str(), batch, batch / t.wall, t.wall * 1e3, flops / t.wall / 1e9,
                  batch / t.cpu, flops / t.cpu / 1e9, PeakRssMiB());
      // A typical caption: EOS at position 7, so only 8 positions are computed.
      for (auto& row : ids) row[7] = 49407;
      t = TimePerRun([&] { (void)model->EncodeTokenIds(ids); }, seconds / 2);
      flops = TextFlops(config, 8) * batch;
      std::printf("| %s | text (8 tok) | %d | %.1f | %.1f | %.0f | %.1f | %.0f | - |\n",
                  label.c_str(), batch, batch / t.wall, t.wall * 1e3, flops / t.wall / 1e9,
                  batch / t.cpu, flops / t.cpu / 1e9);
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace
}  // namespace qimg::nn

int main(int argc, char** argv) { return qimg::nn::Main(argc, argv); }
