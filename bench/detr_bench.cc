// Throughput of the DETR detector on the full-size facebook/detr-resnet-50 architecture (ResNet-50
// backbone, d_model 256, 6 + 6 layers, 100 queries, 91 classes) with random weights built in memory
// (the loader path is the real one: a safetensors image is assembled and parsed). Reports
// images/s for the whole model and for the backbone alone at one input size (default 800x1066, the
// size a 4:3 photo gets from DetrImageProcessor), the model's GFLOPs and achieved GFLOP/s, and
// peak resident memory. The PyTorch side is bench/detr_bench_torch.py (same shapes and threads).
//
//   detr_bench [--threads 2] [--height 800] [--width 1066] [--seconds 20] [--repeat 1]
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
#include "nn/detr_model.h"
#include "nn/parallel.h"
#include "nn/safetensors.h"

namespace qimg::nn {
namespace {

using Clock = std::chrono::steady_clock;

DetrConfig FullSize() {
  DetrConfig c;  // DetrConfig's and ResNetConfig's defaults are detr-resnet-50's numbers
  for (int i = 0; i < 91; ++i) c.id2label[i] = "label" + std::to_string(i);
  return c;
}

struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
};

// Every tensor DetrModel::FromCheckpoint reads, with the checkpoint's names.
std::vector<Tensor> TensorList(const DetrConfig& c) {
  std::vector<Tensor> t;
  auto conv_bn = [&](const std::string& p, int in, int out, int k) {
    t.push_back({p + ".convolution.weight", {out, in, k, k}});
    for (const char* n : {"weight", "bias", "running_mean", "running_var"})
      t.push_back({p + ".normalization." + n, {out}});
  };
  const std::string bb = "model.backbone.conv_encoder.model";
  const ResNetConfig& r = c.backbone;
  conv_bn(bb + ".embedder.embedder", r.num_channels, r.embedding_size, 7);
  int in = r.embedding_size;
  for (size_t s = 0; s < r.depths.size(); ++s) {
    const int out = r.hidden_sizes[s], mid = out / 4;
    for (int b = 0; b < r.depths[s]; ++b) {
      const std::string p =
          bb + ".encoder.stages." + std::to_string(s) + ".layers." + std::to_string(b) + ".";
      conv_bn(p + "layer.0", in, mid, 1);
      conv_bn(p + "layer.1", mid, mid, 3);
      conv_bn(p + "layer.2", mid, out, 1);
      if (b == 0) conv_bn(p + "shortcut", in, out, 1);
      in = out;
    }
  }
  const int d = c.d_model;
  auto linear = [&](const std::string& p, int i, int o) {
    t.push_back({p + ".weight", {o, i}});
    t.push_back({p + ".bias", {o}});
  };
  auto norm = [&](const std::string& p) {
    t.push_back({p + ".weight", {d}});
    t.push_back({p + ".bias", {d}});
  };
  auto attention = [&](const std::string& p) {
    for (const char* n : {"q_proj", "k_proj", "v_proj", "out_proj"}) linear(p + "." + n, d, d);
  };
  t.push_back({"model.input_projection.weight", {d, in, 1, 1}});
  t.push_back({"model.input_projection.bias", {d}});
  t.push_back({"model.query_position_embeddings.weight", {c.num_queries, d}});
  for (int i = 0; i < c.encoder_layers; ++i) {
    const std::string p = "model.encoder.layers." + std::to_string(i) + ".";
    attention(p + "self_attn");
    norm(p + "self_attn_layer_norm");
    linear(p + "fc1", d, c.encoder_ffn_dim);
    linear(p + "fc2", c.encoder_ffn_dim, d);
    norm(p + "final_layer_norm");
  }
  for (int i = 0; i < c.decoder_layers; ++i) {
    const std::string p = "model.decoder.layers." + std::to_string(i) + ".";
    attention(p + "self_attn");
    norm(p + "self_attn_layer_norm");
    attention(p + "encoder_attn");
    norm(p + "encoder_attn_layer_norm");
    linear(p + "fc1", d, c.decoder_ffn_dim);
    linear(p + "fc2", c.decoder_ffn_dim, d);
    norm(p + "final_layer_norm");
  }
  norm("model.decoder.layernorm");
  linear("class_labels_classifier", d, c.num_labels() + 1);
  for (int i = 0; i < 3; ++i)
    linear("bbox_predictor.layers." + std::to_string(i), d, i == 2 ? 4 : d);
  return t;
}

// A safetensors image of `tensors` with He-scaled convolutions, unit batch-norm statistics and
// small linear weights, so activations stay O(1) through the 50 layers.
std::string RandomCheckpoint(const std::vector<Tensor>& tensors) {
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
  size_t pos = out.size();
  out.resize(pos + offset);
  uint64_t state = 88172645463325252ull;
  for (const auto& [name, shape] : tensors) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    const int64_t fan_in = n / shape[0];
    float a = 0.02f, base = 0.0f;
    if (EndsWith(name, "convolution.weight") || shape.size() == 2 || shape.size() == 4) {
      a = std::sqrt(3.0f / static_cast<float>(fan_in));  // unit variance gain
    }
    if (EndsWith(name, "running_var") ||
        (name.find("norm") != std::string::npos && EndsWith(name, ".weight"))) {
      base = 1.0f;
      a = 0.1f;
    }
    if (EndsWith(name, "running_mean") || EndsWith(name, ".bias")) a = 0.02f;
    float* dst = reinterpret_cast<float*>(out.data() + pos);
    for (int64_t i = 0; i < n; ++i) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      float u = static_cast<float>(state >> 40) / static_cast<float>(1 << 24) * 2.0f - 1.0f;
      dst[i] = base + a * u;
    }
    pos += 4 * static_cast<size_t>(n);
  }
  return out;
}

// Multiply-adds x 2 of the backbone and the transformer at an input size.
void Flops(const DetrConfig& c, int h, int w, double* backbone, double* transformer) {
  double f = 0;
  auto conv = [&](int in, int out, int k, int s, int p, int* hh, int* ww) {
    *hh = (*hh + 2 * p - k) / s + 1;
    *ww = (*ww + 2 * p - k) / s + 1;
    f += 2.0 * in * out * k * k * *hh * *ww;
  };
  const ResNetConfig& r = c.backbone;
  conv(r.num_channels, r.embedding_size, 7, 2, 3, &h, &w);
  h = (h - 1) / 2 + 1;
  w = (w - 1) / 2 + 1;
  int in = r.embedding_size;
  for (size_t s = 0; s < r.depths.size(); ++s) {
    const int out = r.hidden_sizes[s], mid = out / 4;
    for (int b = 0; b < r.depths[s]; ++b) {
      const int stride = b == 0 && s > 0 ? 2 : 1;
      int h0 = h, w0 = w;
      conv(in, mid, 1, 1, 0, &h, &w);
      conv(mid, mid, 3, stride, 1, &h, &w);
      conv(mid, out, 1, 1, 0, &h, &w);
      if (b == 0) conv(in, out, 1, stride, 0, &h0, &w0);
      in = out;
    }
  }
  *backbone = f;
  const double t = static_cast<double>(h) * w, d = c.d_model, q = c.num_queries;
  const double enc = 2 * t * d * d * 4 + 4 * t * t * d + 4 * t * d * c.encoder_ffn_dim;
  const double dec = (2 * q * d * d * 4 + 4 * q * q * d) +
                     (2 * q * d * d * 2 + 2 * t * d * d * 2 + 4 * q * t * d) +
                     4 * q * d * c.decoder_ffn_dim;
  *transformer = 2 * t * in * d + c.encoder_layers * enc + c.decoder_layers * dec;
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

double LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double l = 0;
  in >> l;
  return l;
}

double CpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + t.tv_nsec * 1e-9;
}

struct Rates {
  double per_second = 0;      // images per wall-clock second
  double per_cpu_second = 0;  // images per CPU-second of all the process's threads
};

// Best rates over `repeat` windows of about `seconds` each (at least 2 runs per window).
template <typename F>
Rates Rate(F run, double seconds, int repeat) {
  Rates best;
  for (int r = 0; r < repeat; ++r) {
    auto t0 = Clock::now();
    const double c0 = CpuSeconds();
    int n = 0;
    double secs = 0;
    do {
      if (!run()) return {};
      ++n;
      secs = std::chrono::duration<double>(Clock::now() - t0).count();
    } while (secs < seconds || n < 2);
    best.per_second = std::max(best.per_second, n / secs);
    best.per_cpu_second = std::max(best.per_cpu_second, n / (CpuSeconds() - c0));
  }
  return best;
}

int Main(int argc, char** argv) {
  int threads = 2, height = 800, width = 1066, repeat = 1;
  double seconds = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--threads")
      threads = std::stoi(v);
    else if (a == "--height")
      height = std::stoi(v);
    else if (a == "--width")
      width = std::stoi(v);
    else if (a == "--seconds")
      seconds = std::stod(v);
    else if (a == "--repeat")
      repeat = std::stoi(v);
    else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  SetNumThreads(threads);
  const DetrConfig config = FullSize();
  const auto tensors = TensorList(config);
  auto file = SafetensorsFile::FromBytes(RandomCheckpoint(tensors));
  if (!file.ok()) {
    std::fprintf(stderr, "checkpoint: %s\n", file.status().ToString().c_str());
    return 1;
  }
  auto t0 = Clock::now();
  auto model = DetrModel::FromCheckpoint(config, **file);
  if (!model.ok()) {
    std::fprintf(stderr, "load: %s\n", model.status().ToString().c_str());
    return 1;
  }
  const double load_s = std::chrono::duration<double>(Clock::now() - t0).count();
  auto backbone =
      ResNetBackbone::Load(**file, "model.backbone.conv_encoder.model", config.backbone);
  if (!backbone.ok()) return 1;
  int64_t params = 0;
  for (const auto& t : tensors) {
    int64_t n = 1;
    for (int64_t d : t.shape) n *= d;
    if (!EndsWith(t.name, "running_mean") && !EndsWith(t.name, "running_var")) params += n;
  }

  std::vector<float> pixels(static_cast<size_t>(3) * height * width);
  uint64_t state = 1;
  for (float& p : pixels) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    p = static_cast<float>(state >> 40) / static_cast<float>(1 << 24) * 4.0f - 2.0f;
  }
  std::vector<float> nhwc(pixels.size());
  for (int c = 0; c < 3; ++c)
    for (int64_t i = 0; i < static_cast<int64_t>(height) * width; ++i)
      nhwc[static_cast<size_t>(i * 3 + c)] = pixels[static_cast<size_t>(c * height * width + i)];

  double fb = 0, ft = 0;
  Flops(config, height, width, &fb, &ft);
  const double load_before = LoadAverage();
  ResetPeakRss();
  bool ok = true;
  auto full = [&] {
    auto out = (*model)->Forward(pixels.data(), nullptr, 1, height, width);
    if (!out.ok()) {
      std::fprintf(stderr, "forward: %s\n", out.status().ToString().c_str());
      ok = false;
    } else if (!std::isfinite(out->logits[0]) || !std::isfinite(out->boxes[0])) {
      std::fprintf(stderr, "forward: non-finite output\n");
      ok = false;
    }
    return ok;
  };
  auto bb_only = [&] {
    auto out = backbone->Forward(nhwc.data(), 1, height, width);
    return out.ok();
  };
  full();  // warm-up: primitive creation and weight reorders
  bb_only();
  const Rates full_rates = Rate(full, seconds, repeat);
  const double peak = PeakRssMiB();
  const Rates bb_rates = Rate(bb_only, seconds / 2, repeat);
  const double load_after = LoadAverage();
  const double rate = full_rates.per_second, bb_rate = bb_rates.per_second;
  if (!ok || rate == 0) return 1;
  std::printf("detr-resnet-50 (random weights, %.1fM params) at %dx%d, %d threads\n", params / 1e6,
              height, width, threads);
  std::printf("  load %.2f s; GFLOPs/image: backbone %.1f + transformer %.1f = %.1f\n", load_s,
              fb / 1e9, ft / 1e9, (fb + ft) / 1e9);
  std::printf(
      "  full model: %.3f images/s (%.2f s/image, %.1f GFLOP/s), %.3f images/CPU-s, peak RSS "
      "%.0f MiB\n",
      rate, 1 / rate, rate * (fb + ft) / 1e9, full_rates.per_cpu_second, peak);
  std::printf("  backbone:   %.3f images/s (%.2f s/image, %.1f GFLOP/s), %.3f images/CPU-s\n",
              bb_rate, 1 / bb_rate, bb_rate * fb / 1e9, bb_rates.per_cpu_second);
  std::printf("  load average %.2f before, %.2f after\n", load_before, load_after);
  return 0;
}

}  // namespace
}  // namespace qimg::nn

int main(int argc, char** argv) { return qimg::nn::Main(argc, argv); }
