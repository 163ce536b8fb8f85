#include "nn/detr_image_processor.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "nn/image_preprocessor.h"

namespace qimg::nn {
namespace {

using Json = nlohmann::json;

Status GetBool(const Json& o, const char* key, bool* out) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return Status::Ok();
  if (!it->is_boolean()) return Status::Corrupt(std::string("'") + key + "' is not a boolean");
  *out = it->get<bool>();
  return Status::Ok();
}

Status GetEdge(const Json& o, const char* key, int* out) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return Status::Ok();
  if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 100000) {
    return Status::Corrupt(std::string("'") + key + "' is not a positive size");
  }
  *out = it->get<int>();
  return Status::Ok();
}

Status GetTriple(const Json& o, const char* key, float out[3]) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return Status::Ok();
  if (!it->is_array() || it->size() != 3)
    return Status::Corrupt(std::string("'") + key + "' is not 3 numbers");
  for (int i = 0; i < 3; ++i) {
    if (!(*it)[i].is_number())
      return Status::Corrupt(std::string("'") + key + "' is not 3 numbers");
    out[i] = static_cast<float>((*it)[i].get<double>());
  }
  return Status::Ok();
}

// Python's round(): half to even.
double RoundHalfEven(double v) { return std::nearbyint(v); }  // default FE_TONEAREST

}  // namespace

Result<DetrProcessorConfig> ParseDetrProcessorConfig(std::string_view json_text) {
  Json o = Json::parse(json_text, nullptr, false);
  if (o.is_discarded() || !o.is_object()) return Status::Corrupt("not a JSON object");
  DetrProcessorConfig c;
  QIMG_RETURN_IF_ERROR(GetBool(o, "do_resize", &c.do_resize));
  QIMG_RETURN_IF_ERROR(GetBool(o, "do_rescale", &c.do_rescale));
  QIMG_RETURN_IF_ERROR(GetBool(o, "do_normalize", &c.do_normalize));
  QIMG_RETURN_IF_ERROR(GetBool(o, "do_pad", &c.do_pad));
  QIMG_RETURN_IF_ERROR(GetTriple(o, "image_mean", c.mean));
  QIMG_RETURN_IF_ERROR(GetTriple(o, "image_std", c.std));
  for (float s : c.std) {
    if (!(s > 0)) return Status::Corrupt("'image_std' must be positive");
  }
  if (auto it = o.find("rescale_factor"); it != o.end() && !it->is_null()) {
    if (!it->is_number()) return Status::Corrupt("'rescale_factor' is not a number");
    c.rescale_factor = it->get<double>();
  }
  if (auto it = o.find("resample"); it != o.end() && !it->is_null()) {
    if (!it->is_number_integer()) return Status::Corrupt("'resample' is not an integer");
    c.resample = it->get<int>();
  }
  // Old configs: an integer size, with "max_size" or else 1333 (DetrImageProcessor's __init__).
  QIMG_RETURN_IF_ERROR(GetEdge(o, "max_size", &c.longest_edge));
  if (auto it = o.find("size"); it != o.end() && !it->is_null()) {
    if (it->is_number_integer()) {
      QIMG_RETURN_IF_ERROR(GetEdge(o, "size", &c.shortest_edge));
    } else if (it->is_object()) {
      if (it->contains("height") || it->contains("width")) {
        return Status::InvalidArgument("unsupported DETR 'size' " + it->dump() +
                                       " (only shortest_edge/longest_edge is implemented)");
      }
      // transformers' resize refuses a size dict without both edges.
      if (!it->contains("shortest_edge") || !it->contains("longest_edge")) {
        return Status::Corrupt("'size' needs shortest_edge and longest_edge");
      }
      QIMG_RETURN_IF_ERROR(GetEdge(*it, "shortest_edge", &c.shortest_edge));
      QIMG_RETURN_IF_ERROR(GetEdge(*it, "longest_edge", &c.longest_edge));
    } else {
      return Status::Corrupt("'size' is neither a number nor an object");
    }
  }
  // The filter must be one the PIL resampler implements.
  RgbImage probe{1, 1, {0, 0, 0}};
  if (!ResizePil(probe, 1, 1, c.resample).ok()) {
    return Status::InvalidArgument("unsupported 'resample' " + std::to_string(c.resample));
  }
  return c;
}

Result<DetrProcessorConfig> LoadDetrProcessorConfig(const std::string& path) {
  QIMG_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, 1 << 20));
  auto c = ParseDetrProcessorConfig(text);
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

void DetrResizedSize(const DetrProcessorConfig& c, int height, int width, int* out_height,
                     int* out_width) {
  *out_height = height;
  *out_width = width;
  if (!c.do_resize) return;
  const double h = height, w = width;
  double size = c.shortest_edge;
  double raw = 0;
  bool have_raw = false;
  if (c.longest_edge > 0) {
    const double mn = std::min(h, w), mx = std::max(h, w);
    if (mx / mn * size > c.longest_edge) {
      raw = c.longest_edge * mn / mx;
      have_raw = true;
      size = RoundHalfEven(raw);
    }
  }
  const int s = static_cast<int>(size);
  if ((height <= width && height == s) || (width <= height && width == s)) return;
  if (width < height) {
    *out_width = s;
    *out_height = static_cast<int>(have_raw ? raw * h / w : size * h / w);
  } else {
    *out_height = s;
    *out_width = static_cast<int>(have_raw ? raw * w / h : size * w / h);
  }
}

Result<RgbImage> DetrResize(const DetrProcessorConfig& config, const RgbImage& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    return Status::InvalidArgument("detr: empty or inconsistent image");
  }
  int oh = 0, ow = 0;
  DetrResizedSize(config, image.height, image.width, &oh, &ow);
  if (oh < 1 || ow < 1) return Status::InvalidArgument("detr: image too thin to resize");
  if (oh == image.height && ow == image.width) return image;
  return ResizePil(image, ow, oh, config.resample);
}

Result<DetrBatch> DetrPreprocess(const DetrProcessorConfig& config,
                                 const std::vector<const RgbImage*>& images) {
  if (images.empty()) return Status::InvalidArgument("detr: no images");
  std::vector<RgbImage> resized;
  DetrBatch b;
  b.batch = static_cast<int>(images.size());
  for (const RgbImage* im : images) {
    QIMG_ASSIGN_OR_RETURN(RgbImage r, DetrResize(config, *im));
    b.height = std::max(b.height, r.height);
    b.width = std::max(b.width, r.width);
    b.valid_height.push_back(r.height);
    b.valid_width.push_back(r.width);
    resized.push_back(std::move(r));
  }
  if (!config.do_pad) {
    for (const RgbImage& r : resized) {
      if (r.height != b.height || r.width != b.width) {
        return Status::InvalidArgument("detr: images of different sizes need do_pad");
      }
    }
  }
  const int64_t plane = static_cast<int64_t>(b.height) * b.width;
  b.pixels.assign(static_cast<size_t>(b.batch * 3 * plane), 0.0f);
  b.mask.assign(static_cast<size_t>(b.batch * plane), 0);
  for (int i = 0; i < b.batch; ++i) {
    const RgbImage& r = resized[static_cast<size_t>(i)];
    float* px = b.pixels.data() + static_cast<int64_t>(i) * 3 * plane;
    for (int y = 0; y < r.height; ++y) {
      for (int x = 0; x < r.width; ++x) {
        const uint8_t* src = r.pixels.data() + (static_cast<size_t>(y) * r.width + x) * 3;
        b.mask[static_cast<size_t>(i * plane + static_cast<int64_t>(y) * b.width + x)] = 1;
        for (int c = 0; c < 3; ++c) {
          // transformers rescales in float64 and stores float32, then normalises in float32.
          float v = config.do_rescale ? static_cast<float>(src[c] * config.rescale_factor)
                                      : static_cast<float>(src[c]);
          if (config.do_normalize) v = (v - config.mean[c]) / config.std[c];
          px[c * plane + static_cast<int64_t>(y) * b.width + x] = v;
        }
      }
    }
  }
  return b;
}

std::vector<Detection> DetrPostProcess(const DetrOutputs& out, int index, float threshold,
                                       int target_height, int target_width) {
  std::vector<Detection> dets;
  const int nc = out.num_classes;
  for (int q = 0; q < out.num_queries; ++q) {
    const int64_t row = static_cast<int64_t>(index) * out.num_queries + q;
    const float* l = out.logits.data() + row * nc;
    float mx = l[0];
    for (int c = 1; c < nc; ++c) mx = std::max(mx, l[c]);
    float sum = 0.0f;
    for (int c = 0; c < nc; ++c) sum += std::exp(l[c] - mx);
    int best = 0;
    for (int c = 1; c < nc - 1; ++c) {
      if (l[c] > l[best]) best = c;
    }
    const float score = std::exp(l[best] - mx) / sum;
    if (!(score > threshold)) continue;
    const float* bx = out.boxes.data() + row * 4;
    Detection d;
    d.query = q;
    d.label = best;
    d.score = score;
    const float cx = bx[0], cy = bx[1], w = bx[2], h = bx[3];
    const float sx = static_cast<float>(target_width), sy = static_cast<float>(target_height);
    d.box_xyxy[0] = (cx - 0.5f * w) * sx;
    d.box_xyxy[1] = (cy - 0.5f * h) * sy;
    d.box_xyxy[2] = (cx + 0.5f * w) * sx;
    d.box_xyxy[3] = (cy + 0.5f * h) * sy;
    dets.push_back(d);
  }
  return dets;
}

}  // namespace qimg::nn
