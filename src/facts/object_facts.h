// Object facts from a detector's detections (SPEC §6.2 "Objects"): label = the model's class name
// trimmed and lowercased; for a repeated label only the highest-scoring detection stays; sorted by
// score descending (ties keep query order); at most 12. Each becomes fact_type "object" with
// key = value_text = label, confidence = score and value_json {"bbox_xyxy": [x1, y1, x2, y2]}
// (absolute pixels of the decoded image, unclipped).
#pragma once

#include <string>
#include <vector>

#include "facts/extracted_fact.h"
#include "nn/detr_detector.h"

namespace qimg::facts {

constexpr float kObjectThreshold = 0.30f;
constexpr int kMaxObjects = 12;
// `object_detector:<model setting>:<device>` (SPEC §6.1); the engine runs on the CPU.
constexpr const char* kObjectSourcePrefix = "object_detector:";
std::string ObjectSource(const std::string& model_setting);

std::vector<ExtractedFact> ObjectFacts(const std::vector<nn::LabeledDetection>& detections,
                                       int max_objects = kMaxObjects);

}  // namespace qimg::facts
