#include "facts/object_facts.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "base/text.h"

namespace qimg::facts {
namespace {

// The shortest text that reads back as the same double, as Python's json.dumps writes the
// float(float32) values the original stored.
std::string Number(float v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, static_cast<double>(v));
  std::string s(buf, r.ptr);
  if (s.find_first_of(".eE") == std::string::npos && s.find_first_of("ni") == std::string::npos) {
    s += ".0";  // Python prints floats with a decimal point
  }
  return s;
}

}  // namespace

std::string ObjectSource(const std::string& model_setting) {
  return std::string(kObjectSourcePrefix) + Trim(model_setting) + ":cpu";
}

std::vector<ExtractedFact> ObjectFacts(const std::vector<nn::LabeledDetection>& detections,
                                       int max_objects) {
  // Best detection per normalised label, first occurrence on equal scores.
  std::vector<const nn::LabeledDetection*> best;
  std::map<std::string, size_t> index;
  std::vector<std::string> labels;
  for (const auto& d : detections) {
    std::string label = ToLowerAscii(Trim(d.label));
    if (label.empty()) continue;
    auto it = index.find(label);
    if (it == index.end()) {
      index[label] = best.size();
      best.push_back(&d);
      labels.push_back(label);
    } else if (d.detection.score > best[it->second]->detection.score) {
      best[it->second] = &d;
    }
  }
  std::vector<size_t> order(best.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return best[a]->detection.score > best[b]->detection.score;
  });
  if (order.size() > static_cast<size_t>(max_objects))
    order.resize(static_cast<size_t>(max_objects));
  std::vector<ExtractedFact> facts;
  for (size_t i : order) {
    const nn::Detection& det = best[i]->detection;
    ExtractedFact f;
    f.fact_type = "object";
    f.key = labels[i];
    f.value_text = labels[i];
    f.confidence = static_cast<double>(det.score);
    f.value_json = "{\"bbox_xyxy\": [" + Number(det.box_xyxy[0]) + ", " + Number(det.box_xyxy[1]) +
                   ", " + Number(det.box_xyxy[2]) + ", " + Number(det.box_xyxy[3]) + "]}";
    facts.push_back(std::move(f));
  }
  return facts;
}

}  // namespace qimg::facts
