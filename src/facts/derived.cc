#include "facts/derived.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "media/pil_resample.h"

namespace qimg::facts {
namespace {

double Round(double v, int digits) {
  const double p = std::pow(10.0, digits);
  return std::round(v * p) / p;
}

ExtractedFact Word(const std::string& key, const std::string& value,
                   std::optional<double> confidence = std::nullopt) {
  ExtractedFact f;
  f.fact_type = "derived";
  f.key = key;
  f.value_text = value;
  f.confidence = confidence;
  return f;
}

}  // namespace

std::string OrientationClass(int width, int height) {
  if (width <= 0 || height <= 0) return "";
  const double r = static_cast<double>(std::max(width, height)) / std::min(width, height);
  if (r < 1.05) return "square";
  return width > height ? "landscape" : "portrait";
}

std::string AspectClass(int width, int height) {
  if (width <= 0 || height <= 0) return "";
  const double r = static_cast<double>(std::max(width, height)) / std::min(width, height);
  if (r < 1.05) return "square";
  if (r < 1.6) return "standard";
  if (height > width) return "tall";
  return r < 2.3 ? "wide" : "panorama";
}

std::string BrightnessClass(double b) {
  if (b < 0.22) return "dark";
  if (b < 0.40) return "dim";
  if (b > 0.70) return "bright";
  return "";
}

std::vector<ExtractedFact> DerivedFacts(int width, int height, const ColourStats& stats) {
  std::vector<ExtractedFact> out;
  nlohmann::ordered_json all = nlohmann::ordered_json::object();
  for (const ColourShare& c : stats.dominant) out.push_back(Word("colour", c.name, Round(c.fraction, 4)));
  const std::string orientation = OrientationClass(width, height);
  const std::string aspect = AspectClass(width, height);
  const double mp = static_cast<double>(width) * height / 1e6;
  if (!orientation.empty()) out.push_back(Word("orientation", orientation));
  if (!aspect.empty() && aspect != orientation) out.push_back(Word("aspect", aspect));
  if (width > 0 && height > 0) {
    char buf[48];
    std::snprintf(buf, sizeof(buf), "%.1f megapixels", mp);
    out.push_back(Word("megapixels", buf));
  }
  const std::string light = BrightnessClass(stats.brightness);
  if (!light.empty()) out.push_back(Word("brightness", light));
  const bool screenshot = stats.screenshot_score > 0.5;
  const bool document = screenshot && stats.brightness > 0.6 && stats.colourfulness < 0.15;
  if (screenshot) out.push_back(Word("kind", "screenshot", Round(stats.screenshot_score, 4)));
  if (document) out.push_back(Word("kind", "document", Round(stats.screenshot_score, 4)));

  all["width"] = width;
  all["height"] = height;
  all["megapixels"] = Round(mp, 2);
  all["aspect_ratio"] = height > 0 ? Round(static_cast<double>(width) / height, 4) : 0.0;
  all["orientation"] = orientation;
  all["aspect"] = aspect;
  all["brightness"] = Round(stats.brightness, 4);
  all["brightness_class"] = light.empty() ? "normal" : light;
  all["colourfulness"] = Round(stats.colourfulness, 4);
  all["screenshot_score"] = Round(stats.screenshot_score, 4);
  all["distinct_colours"] = stats.distinct_colours;
  nlohmann::ordered_json colours = nlohmann::ordered_json::object();
  for (const ColourShare& c : stats.dominant) colours[c.name] = Round(c.fraction, 4);
  all["colours"] = colours;
  all["screenshot"] = screenshot;
  all["document"] = document;
  ExtractedFact j;
  j.fact_type = "derived";
  j.key = "all";
  j.value_json = all.dump();
  out.push_back(std::move(j));
  return out;
}

RgbImage DerivedThumbnail(const RgbImage& image) {
  const int longer = std::max(image.width, image.height);
  if (longer <= kDerivedThumbSide) return image;
  const double s = static_cast<double>(kDerivedThumbSide) / longer;
  return ResizePil(image, std::max(1, static_cast<int>(std::lround(image.width * s))),
                   std::max(1, static_cast<int>(std::lround(image.height * s))), PilFilter::kBicubic);
}

}  // namespace qimg::facts
