// Facts computed from the pixels alone, without any model (fact_type "derived", source
// kDerivedSource): searchable words (colour names, orientation, aspect, brightness,
// "screenshot"/"document") as separate facts, plus one JSON fact (key "all") with the numbers
// that results show under facts.derived.
#pragma once

#include <string>
#include <vector>

#include "facts/extracted_fact.h"
#include "media/colour.h"
#include "media/image.h"

namespace qimg::facts {

inline constexpr const char* kDerivedSource = "derived_pixels@1";

// Side of the thumbnail the colour statistics are computed on (AnalyzeColours' intended size).
inline constexpr int kDerivedThumbSide = 256;

// Classes, exposed for tests and docs/facts.md.
// Orientation: "square" when the sides differ by < 5%, else "landscape" / "portrait".
std::string OrientationClass(int width, int height);
// Aspect by long/short side ratio r: r < 1.05 "square", < 1.6 "standard" (4:3, 3:2),
// < 2.3 "wide" (16:9, 2:1) for landscape or "tall" for portrait, else "panorama" (landscape)
// or "tall" (portrait).
std::string AspectClass(int width, int height);
// Mean luma < 0.22 "dark", < 0.40 "dim", > 0.70 "bright", else "" (ordinary exposure: no fact).
std::string BrightnessClass(double brightness);

// width/height: the image's display size (EXIF-rotated); stats: AnalyzeColours of a thumbnail.
// The "screenshot" fact needs screenshot_score > 0.5; "document" additionally a bright, nearly
// colourless image (text on paper or a white page).
std::vector<ExtractedFact> DerivedFacts(int width, int height, const ColourStats& stats);

// A thumbnail with longer side <= kDerivedThumbSide (bicubic), as AnalyzeColours wants.
RgbImage DerivedThumbnail(const RgbImage& image);

}  // namespace qimg::facts
