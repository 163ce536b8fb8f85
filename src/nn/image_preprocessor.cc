#include "nn/image_preprocessor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "base/fs.h"

namespace qimg::nn {
namespace {

using Json = nlohmann::json;

// Pillow's resampling filters (libImaging/Resample.c), same supports and formulas.
struct Filter {
  double support;
  double (*fn)(double);
};

double BoxFilter(double x) { return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0; }
double BilinearFilter(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}
double HammingFilter(double x) {
  x = std::fabs(x);
  if (x == 0.0) return 1.0;
  if (x >= 1.0) return 0.0;
  x *= M_PI;
  return std::sin(x) / x * (0.54 + 0.46 * std::cos(x));
}
double BicubicFilter(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}
double Sinc(double x) {
  if (x == 0.0) return 1.0;
  x *= M_PI;
  return std::sin(x) / x;
}
double LanczosFilter(double x) {
  if (-3.0 <= x && x < 3.0) return Sinc(x) * Sinc(x / 3);
  return 0.0;
}

bool GetFilter(int resample, Filter* f) {
  switch (resample) {
    case 1:
      *f = {3.0, LanczosFilter};
      return true;
    case 2:
      *f = {1.0, BilinearFilter};
      return true;
    case 3:
      *f = {2.0, BicubicFilter};
      return true;
    case 4:
      *f = {0.5, BoxFilter};
      return true;
    case 5:
      *f = {1.0, HammingFilter};
      return true;
    default:
      return false;
  }
}

constexpr int kPrecisionBits = 32 - 8 - 2;

// Fixed-point taps for one axis: for output i, taps start at bounds[i] and weights
// [i * ksize, i * ksize + count[i]).
struct Coefficients {
  int ksize = 0;
  std::vector<int> start, count;
  std::vector<int32_t> weights;
};

Coefficients Precompute(int in_size, int out_size, const Filter& filter) {
  Coefficients c;
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = filter.support * filterscale;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.start.resize(static_cast<size_t>(out_size));
  c.count.resize(static_cast<size_t>(out_size));
  c.weights.assign(static_cast<size_t>(out_size) * c.ksize, 0);
  std::vector<double> k(static_cast<size_t>(c.ksize));
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      double w = filter.fn((x + xmin - center + 0.5) * ss);
      k[static_cast<size_t>(x)] = w;
      ww += w;
    }
    for (int x = 0; x < xmax; ++x) {
      double v = ww != 0.0 ? k[static_cast<size_t>(x)] / ww : k[static_cast<size_t>(x)];
      // Pillow's normalize_coeffs_8bpc: round half away from zero via (int)(±0.5 + v * 2^22).
      c.weights[static_cast<size_t>(xx) * c.ksize + x] =
          v < 0 ? static_cast<int32_t>(-0.5 + v * (1 << kPrecisionBits))
                : static_cast<int32_t>(0.5 + v * (1 << kPrecisionBits));
    }
    c.start[static_cast<size_t>(xx)] = xmin;
    c.count[static_cast<size_t>(xx)] = xmax;
  }
  return c;
}

inline uint8_t Clip8(int32_t ss) {
  int32_t v = ss >> kPrecisionBits;
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

RgbImage ResizeHorizontal(const RgbImage& in, int out_w, const Filter& f) {
  Coefficients c = Precompute(in.width, out_w, f);
  RgbImage out;
  out.width = out_w;
  out.height = in.height;
  out.pixels.resize(static_cast<size_t>(out_w) * in.height * 3);
  for (int y = 0; y < in.height; ++y) {
    const uint8_t* row = in.pixels.data() + static_cast<size_t>(y) * in.width * 3;
    uint8_t* dst = out.pixels.data() + static_cast<size_t>(y) * out_w * 3;
    for (int xx = 0; xx < out_w; ++xx) {
      const int32_t* k = c.weights.data() + static_cast<size_t>(xx) * c.ksize;
      const int xmin = c.start[static_cast<size_t>(xx)];
      for (int ch = 0; ch < 3; ++ch) {
        int32_t ss = 1 << (kPrecisionBits - 1);
        for (int x = 0; x < c.count[static_cast<size_t>(xx)]; ++x) {
          ss += row[(xmin + x) * 3 + ch] * k[x];
        }
        dst[xx * 3 + ch] = Clip8(ss);
      }
    }
  }
  return out;
}

RgbImage ResizeVertical(const RgbImage& in, int out_h, const Filter& f) {
  Coefficients c = Precompute(in.height, out_h, f);
  RgbImage out;
  out.width = in.width;
  out.height = out_h;
  out.pixels.resize(static_cast<size_t>(in.width) * out_h * 3);
  const size_t stride = static_cast<size_t>(in.width) * 3;
  for (int yy = 0; yy < out_h; ++yy) {
    const int32_t* k = c.weights.data() + static_cast<size_t>(yy) * c.ksize;
    const int ymin = c.start[static_cast<size_t>(yy)];
    uint8_t* dst = out.pixels.data() + static_cast<size_t>(yy) * stride;
    for (size_t i = 0; i < stride; ++i) {
      int32_t ss = 1 << (kPrecisionBits - 1);
      for (int y = 0; y < c.count[static_cast<size_t>(yy)]; ++y) {
        ss += in.pixels[static_cast<size_t>(ymin + y) * stride + i] * k[y];
      }
      dst[i] = Clip8(ss);
    }
  }
  return out;
}

// size / crop_size: an int, {"shortest_edge": n} or {"height": h, "width": w}.
Status ReadSize(const Json& j, const char* key, int* shortest, int* h, int* w) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::Ok();
  auto positive = [&](const Json& v, int* out) {
    if (!v.is_number_integer() || v.get<int64_t>() <= 0 || v.get<int64_t>() > 65536) {
      return Status::Corrupt(std::string("bad '") + key + "'");
    }
    *out = static_cast<int>(v.get<int64_t>());
    return Status::Ok();
  };
  if (it->is_number()) {
    int v = 0;
    QIMG_RETURN_IF_ERROR(positive(*it, &v));
    if (shortest) *shortest = v;
    *h = v;
    *w = v;
    if (shortest) *h = *w = 0;
    return Status::Ok();
  }
  if (!it->is_object()) return Status::Corrupt(std::string("bad '") + key + "'");
  if (auto s = it->find("shortest_edge"); s != it->end() && shortest) {
    QIMG_RETURN_IF_ERROR(positive(*s, shortest));
    *h = *w = 0;
    return Status::Ok();
  }
  QIMG_RETURN_IF_ERROR(positive(it->value("height", Json()), h));
  QIMG_RETURN_IF_ERROR(positive(it->value("width", Json()), w));
  return Status::Ok();
}

Status ParseInto(const Json& j, PreprocessorConfig* c) {
  if (!j.is_object()) return Status::Corrupt("not a JSON object");
  auto flag = [&](const char* key, bool* out) {
    auto it = j.find(key);
    if (it != j.end() && it->is_boolean()) *out = it->get<bool>();
  };
  flag("do_resize", &c->do_resize);
  flag("do_center_crop", &c->do_center_crop);
  flag("do_rescale", &c->do_rescale);
  flag("do_normalize", &c->do_normalize);
  QIMG_RETURN_IF_ERROR(ReadSize(j, "size", &c->shortest_edge, &c->size_height, &c->size_width));
  QIMG_RETURN_IF_ERROR(ReadSize(j, "crop_size", nullptr, &c->crop_height, &c->crop_width));
  if (auto it = j.find("resample"); it != j.end() && !it->is_null()) {
    Filter f;
    if (!it->is_number_integer() || !GetFilter(it->get<int>(), &f)) {
      return Status::Corrupt("unsupported 'resample' (need 1..5)");
    }
    c->resample = it->get<int>();
  }
  if (auto it = j.find("rescale_factor"); it != j.end() && it->is_number()) {
    c->rescale_factor = it->get<double>();
  }
  for (auto [key, dst] : {std::pair{"image_mean", c->mean}, std::pair{"image_std", c->std}}) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) continue;
    if (it->is_number()) {
      for (int i = 0; i < 3; ++i) dst[i] = it->get<float>();
    } else if (it->is_array() && it->size() == 3) {
      for (int i = 0; i < 3; ++i) {
        if (!(*it)[i].is_number()) return Status::Corrupt(std::string("bad '") + key + "'");
        dst[i] = (*it)[i].get<float>();
      }
    } else {
      return Status::Corrupt(std::string("'") + key + "' must hold 3 numbers");
    }
  }
  for (float s : c->std) {
    if (!(s > 0)) return Status::Corrupt("'image_std' must be positive");
  }
  return Status::Ok();
}

}  // namespace

Result<PreprocessorConfig> ParsePreprocessorConfig(std::string_view json_text) {
  Json j = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corrupt("preprocessor_config.json is not valid JSON");
  PreprocessorConfig c;
  try {
    QIMG_RETURN_IF_ERROR(ParseInto(j, &c).WithContext("preprocessor_config.json"));
  } catch (const Json::exception& e) {
    return Status::Corrupt(std::string("preprocessor_config.json: ") + e.what());
  }
  return c;
}

Result<PreprocessorConfig> LoadPreprocessorConfig(const std::string& path) {
  QIMG_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, 1 << 20));
  auto c = ParsePreprocessorConfig(text);
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

Result<RgbImage> ResizePil(const RgbImage& image, int width, int height, int resample) {
  Filter f;
  if (!GetFilter(resample, &f)) {
    return Status::InvalidArgument("unsupported resample filter " + std::to_string(resample));
  }
  if (width <= 0 || height <= 0 || image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    return Status::InvalidArgument("bad image or target size for resize");
  }
  RgbImage out = image;
  if (width != out.width) out = ResizeHorizontal(out, width, f);
  if (height != out.height) out = ResizeVertical(out, height, f);
  return out;
}

void ResizedSize(const PreprocessorConfig& c, int width, int height, int* out_w, int* out_h) {
  if (!c.do_resize) {
    *out_w = width;
    *out_h = height;
  } else if (c.size_height > 0 && c.size_width > 0) {
    *out_w = c.size_width;
    *out_h = c.size_height;
  } else {
    // transformers' get_resize_output_image_size(default_to_square=False): truncation, not
    // rounding, of size * long / short.
    const int s = c.shortest_edge;
    if (width <= height) {
      *out_w = s;
      *out_h = static_cast<int>(static_cast<double>(s) * height / width);
    } else {
      *out_h = s;
      *out_w = static_cast<int>(static_cast<double>(s) * width / height);
    }
  }
}

Result<RgbImage> RgbFromSamples(const void* samples, int width, int height, int channels,
                                int bits_per_sample) {
  if (width <= 0 || height <= 0 || channels < 1 || channels > 4 ||
      (bits_per_sample != 8 && bits_per_sample != 16)) {
    return Status::InvalidArgument("unsupported sample layout");
  }
  if (static_cast<int64_t>(width) * height > (int64_t{1} << 28)) {
    return Status::ResourceExhausted("image too large");
  }
  RgbImage out;
  out.width = width;
  out.height = height;
  const size_t n = static_cast<size_t>(width) * height;
  out.pixels.resize(n * 3);
  const auto* p8 = static_cast<const uint8_t*>(samples);
  const auto* p16 = static_cast<const uint16_t*>(samples);
  auto sample = [&](size_t i) -> uint8_t {
    return bits_per_sample == 8 ? p8[i] : static_cast<uint8_t>(p16[i] >> 8);
  };
  for (size_t i = 0; i < n; ++i) {
    const size_t s = i * static_cast<size_t>(channels);
    if (channels <= 2) {  // L or LA: grey replicated, alpha dropped
      out.pixels[3 * i] = out.pixels[3 * i + 1] = out.pixels[3 * i + 2] = sample(s);
    } else {  // RGB or RGBA: alpha dropped
      for (int c = 0; c < 3; ++c)
        out.pixels[3 * i + static_cast<size_t>(c)] = sample(s + static_cast<size_t>(c));
    }
  }
  return out;
}

Result<std::vector<float>> ImagePreprocessor::Preprocess(const RgbImage& image) const {
  std::vector<float> out(3 * static_cast<size_t>(std::max(0, output_height())) *
                         static_cast<size_t>(std::max(0, output_width())));
  QIMG_RETURN_IF_ERROR(Preprocess(image, out.data(), nullptr));
  return out;
}

Status ImagePreprocessor::Preprocess(const RgbImage& image, float* out) const {
  return Preprocess(image, out, nullptr);
}

Status ImagePreprocessor::Preprocess(const RgbImage& image, float* out, Trace* trace) const {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    return Status::InvalidArgument("empty or inconsistent RGB image");
  }
  const int oh = output_height();
  const int ow = output_width();
  if (oh <= 0 || ow <= 0) {
    return Status::InvalidArgument("preprocessor output size depends on the image (no crop)");
  }
  // An extreme aspect ratio (a 1 x 100000 strip) would ask for a resize to billions of pixels.
  if (config_.do_resize && config_.size_height == 0) {
    const double longer = static_cast<double>(std::max(image.width, image.height)) /
                          std::min(image.width, image.height) * config_.shortest_edge;
    if (longer > 65536) {
      return Status::ResourceExhausted("image aspect ratio too extreme to resize (" +
                                       std::to_string(image.width) + "x" +
                                       std::to_string(image.height) + ")");
    }
  }
  int rw = 0, rh = 0;
  ResizedSize(config_, image.width, image.height, &rw, &rh);
  if (rw <= 0 || rh <= 0) return Status::InvalidArgument("image too thin to resize");
  RgbImage resized;
  if (rw != image.width || rh != image.height) {
    QIMG_ASSIGN_OR_RETURN(resized, ResizePil(image, rw, rh, config_.resample));
  } else {
    resized = image;
  }
  if (!config_.do_center_crop && (rw != ow || rh != oh)) {
    return Status::InvalidArgument("resized image does not match the model's input size");
  }
  // transformers' center_crop: floor offsets (Python //), zero padding outside the image.
  const int top = static_cast<int>(std::floor((rh - oh) / 2.0));
  const int left = static_cast<int>(std::floor((rw - ow) / 2.0));
  const float factor = config_.do_rescale ? 1.0f : 0.0f;
  for (int c = 0; c < 3; ++c) {
    const float mean = config_.do_normalize ? config_.mean[c] : 0.0f;
    const float inv_std = config_.do_normalize ? config_.std[c] : 1.0f;
    float* plane = out + static_cast<size_t>(c) * oh * ow;
    for (int y = 0; y < oh; ++y) {
      const int sy = top + y;
      for (int x = 0; x < ow; ++x) {
        const int sx = left + x;
        uint8_t v = 0;
        if (sy >= 0 && sy < rh && sx >= 0 && sx < rw) {
          v = resized.pixels[(static_cast<size_t>(sy) * rw + sx) * 3 + c];
        }
        // numpy: float64 rescale, cast to float32, then normalise in float32.
        float px =
            factor != 0.0f ? static_cast<float>(v * config_.rescale_factor) : static_cast<float>(v);
        plane[y * ow + x] = (px - mean) / inv_std;
      }
    }
  }
  if (trace) {
    trace->resized = std::move(resized);
    trace->crop_top = top;
    trace->crop_left = left;
  }
  return Status::Ok();
}

}  // namespace qimg::nn
