// An object detector from a Hugging Face DETR folder (config.json, preprocessor_config.json,
// model.safetensors): DetrImageProcessor -> DetrModel -> post_process_object_detection, with the
// boxes in the original image's pixels. One image per forward pass (no padding), as the original
// tool runs it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "media/image.h"
#include "nn/detr_image_processor.h"
#include "nn/detr_model.h"

namespace qimg::nn {

struct LabeledDetection {
  Detection detection;
  std::string label;  // id2label name as the checkpoint spells it
};

class DetrDetector {
 public:
  // A missing preprocessor_config.json means DetrImageProcessor's defaults (800 / 1333).
  static Result<std::unique_ptr<DetrDetector>> Load(const std::string& dir);

  const DetrModel& model() const { return *model_; }
  const DetrProcessorConfig& processor() const { return processor_; }

  // Detections with score > threshold, in query order. InvalidArgument on an empty image.
  Result<std::vector<LabeledDetection>> Detect(const RgbImage& image, float threshold) const;
  // The same for an image already through DetrResize (callers that resize on worker threads),
  // with the size of the image the boxes should refer to.
  Result<std::vector<LabeledDetection>> DetectResized(const RgbImage& resized, int original_height,
                                                      int original_width, float threshold) const;

 private:
  DetrDetector() = default;
  DetrProcessorConfig processor_;
  std::unique_ptr<DetrModel> model_;
};

}  // namespace qimg::nn
