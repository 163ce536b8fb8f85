// transformers' DetrImageProcessor (the PIL-based one) from preprocessor_config.json, and its
// post_process_object_detection. Preprocessing: resize so the shorter side is size.shortest_edge
// unless that would push the longer side past size.longest_edge (transformers >= 4.42's rounding,
// see DetrResizedSize), with PIL's filter bit for bit; x * rescale_factor; (x - mean) / std;
// HWC -> CHW; a batch is zero-padded bottom/right to its largest image with a pixel mask.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "media/image.h"
#include "nn/detr_model.h"

namespace qimg::nn {

struct DetrProcessorConfig {
  bool do_resize = true;
  int shortest_edge = 800;
  int longest_edge = 1333;  // 0: no limit
  int resample = 2;         // PIL bilinear
  bool do_rescale = true;
  double rescale_factor = 1.0 / 255.0;
  bool do_normalize = true;
  float mean[3] = {0.485f, 0.456f, 0.406f};
  float std[3] = {0.229f, 0.224f, 0.225f};
  bool do_pad = true;
};

// Missing keys keep DetrImageProcessor's defaults. `size` may be {shortest_edge, longest_edge} or
// the legacy integer (shortest edge) with `max_size` (default 1333); {height, width} is
// InvalidArgument: qimg refuses fixed-size DETR inputs rather than guess a size rule.
Result<DetrProcessorConfig> ParseDetrProcessorConfig(std::string_view json_text);
Result<DetrProcessorConfig> LoadDetrProcessorConfig(const std::string& path);

// transformers' get_size_with_aspect_ratio (>= 4.42), in double precision:
//   raw = L * min / max when max / min * S > L, and then S = round-half-even(raw);
//   unchanged when the shorter side already equals S; otherwise the shorter side becomes S and
//   the longer side trunc(raw * long / short) (or trunc(S * long / short) without raw).
void DetrResizedSize(const DetrProcessorConfig& config, int height, int width, int* out_height,
                     int* out_width);

struct DetrBatch {
  int batch = 0;
  int height = 0;  // padded size
  int width = 0;
  std::vector<float> pixels;                   // [batch, 3, height, width]
  std::vector<uint8_t> mask;                   // [batch, height, width]: 1 on real pixels
  std::vector<int> valid_height, valid_width;  // each image's resized size
};

// The resized 8-bit image of the resize step (for tests and debugging).
Result<RgbImage> DetrResize(const DetrProcessorConfig& config, const RgbImage& image);
// Preprocesses images into one padded batch. InvalidArgument on an empty or inconsistent image.
Result<DetrBatch> DetrPreprocess(const DetrProcessorConfig& config,
                                 const std::vector<const RgbImage*>& images);

struct Detection {
  int query = 0;
  int label = 0;      // class id (never the "no object" class)
  float score = 0;    // softmax probability
  float box_xyxy[4];  // in pixels of the target size, not clipped
};

// post_process_object_detection for one image of `outputs`: softmax over all classes; the best
// class other than "no object" and its probability per query; queries with score > threshold
// (strict, float32) in query order; (cx, cy, w, h) scaled to (x1, y1, x2, y2) of a target of
// target_height x target_width (the original image).
std::vector<Detection> DetrPostProcess(const DetrOutputs& outputs, int index, float threshold,
                                       int target_height, int target_width);

}  // namespace qimg::nn
