#include "nn/detr_detector.h"

#include "base/fs.h"

namespace qimg::nn {

Result<std::unique_ptr<DetrDetector>> DetrDetector::Load(const std::string& dir) {
  std::unique_ptr<DetrDetector> d(new DetrDetector());
  const std::string pre = JoinPath(dir, "preprocessor_config.json");
  if (StatPath(pre).is_regular) {
    QIMG_ASSIGN_OR_RETURN(d->processor_, LoadDetrProcessorConfig(pre));
  }
  QIMG_ASSIGN_OR_RETURN(d->model_, DetrModel::Load(dir));
  return d;
}

Result<std::vector<LabeledDetection>> DetrDetector::Detect(const RgbImage& image,
                                                           float threshold) const {
  QIMG_ASSIGN_OR_RETURN(RgbImage resized, DetrResize(processor_, image));
  return DetectResized(resized, image.height, image.width, threshold);
}

Result<std::vector<LabeledDetection>> DetrDetector::DetectResized(const RgbImage& resized,
                                                                  int original_height,
                                                                  int original_width,
                                                                  float threshold) const {
  DetrProcessorConfig no_resize = processor_;
  no_resize.do_resize = false;
  QIMG_ASSIGN_OR_RETURN(DetrBatch batch, DetrPreprocess(no_resize, {&resized}));
  QIMG_ASSIGN_OR_RETURN(DetrOutputs out, model_->Forward(batch.pixels.data(), batch.mask.data(), 1,
                                                         batch.height, batch.width));
  std::vector<LabeledDetection> result;
  for (const Detection& det : DetrPostProcess(out, 0, threshold, original_height, original_width)) {
    LabeledDetection l;
    l.detection = det;
    auto it = model_->config().id2label.find(det.label);
    l.label = it != model_->config().id2label.end() ? it->second : std::to_string(det.label);
    result.push_back(std::move(l));
  }
  return result;
}

}  // namespace qimg::nn
