// CLIPImageProcessor (transformers' PIL path) from preprocessor_config.json:
//   resize so the shorter side is size.shortest_edge (the longer side int(size * long / short)),
//   or to size.{height,width}; PIL's resampling filter, bit-exact (fixed-point, horizontal pass
//   first, rounded to uint8 between passes); centre crop with floor offsets (zero padding when the
//   image is smaller); x * rescale_factor; (x - mean) / std; HWC -> CHW float32.
// Input is 8-bit RGB (media decodes; RgbFromSamples below turns other layouts into it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "media/image.h"

namespace qimg::nn {

struct PreprocessorConfig {
  bool do_resize = true;
  int shortest_edge = 224;  // used when size_height/size_width are 0
  int size_height = 0;
  int size_width = 0;
  int resample = 3;  // PIL: 0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming
  bool do_center_crop = true;
  int crop_height = 224;
  int crop_width = 224;
  bool do_rescale = true;
  double rescale_factor = 1.0 / 255.0;
  bool do_normalize = true;
  float mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
  float std[3] = {0.26862954f, 0.26130258f, 0.27577711f};
};

Result<PreprocessorConfig> ParsePreprocessorConfig(std::string_view json_text);
Result<PreprocessorConfig> LoadPreprocessorConfig(const std::string& path);

// PIL's Image.resize(size, resample) on an RGB image, bit for bit. InvalidArgument for an unknown
// filter or a non-positive size.
Result<RgbImage> ResizePil(const RgbImage& image, int width, int height, int resample);

// The output size of the resize step for an input of width x height.
void ResizedSize(const PreprocessorConfig& config, int width, int height, int* out_width,
                 int* out_height);

// 8-bit RGB from decoded samples: 1 (L), 2 (LA), 3 (RGB) or 4 (RGBA) channels of 8 or 16 bits
// (16-bit samples in native byte order). Like PIL's convert("RGB"): grey is replicated and alpha
// dropped, not composited; 16-bit samples keep their high byte, as PIL does for RGB(A).
Result<RgbImage> RgbFromSamples(const void* samples, int width, int height, int channels,
                                int bits_per_sample);

class ImagePreprocessor {
 public:
  explicit ImagePreprocessor(const PreprocessorConfig& config) : config_(config) {}
  const PreprocessorConfig& config() const { return config_; }
  int output_height() const {
    return config_.do_center_crop ? config_.crop_height : fixed_height();
  }
  int output_width() const { return config_.do_center_crop ? config_.crop_width : fixed_width(); }

  // Writes 3 * output_height() * output_width() floats (CHW) to out. InvalidArgument on an empty
  // or inconsistent image, or when the output size would depend on the image (resize by shortest
  // edge without a crop).
  Status Preprocess(const RgbImage& image, float* out) const;
  Result<std::vector<float>> Preprocess(const RgbImage& image) const;

  // Intermediate results for tests and debugging.
  struct Trace {
    RgbImage resized;
    int crop_top = 0;
    int crop_left = 0;
  };
  Status Preprocess(const RgbImage& image, float* out, Trace* trace) const;

 private:
  int fixed_height() const { return config_.size_height; }
  int fixed_width() const { return config_.size_width; }
  PreprocessorConfig config_;
};

}  // namespace qimg::nn
