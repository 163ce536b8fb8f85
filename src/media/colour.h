// Cheap colour statistics of a small decoded image, for "derived" facts (colour words,
// brightness, screenshot/document detection). Deterministic, no external libraries.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "media/image.h"

namespace qimg {

struct ColourShare {
  std::string name;  // "red", "orange", "yellow", "green", "teal", "blue", "purple", "pink",
                     // "brown", "black", "white", "gray"
  double fraction = 0;  // of all pixels, 0..1
};

struct ColourStats {
  // Named colours covering at least 5% of the pixels, largest first (at most 5).
  std::vector<ColourShare> dominant;
  double brightness = 0;     // mean luma 0..1
  double colourfulness = 0;  // Hasler-Suesstrunk M, divided by 100 and capped to 0..1
  // 0..1 heuristic that the image is a screenshot, document or other synthetic graphic: many
  // exactly flat neighbouring pixels, few distinct colours, hard edges. > 0.5 means "likely".
  double screenshot_score = 0;
  int distinct_colours = 0;  // after quantising to 5 bits per channel
};

// Works on any size, but is meant for a thumbnail (~256 px: DecodeRgb with a hint, then
// ResizePil). An empty image yields a zeroed record.
ColourStats AnalyzeColours(const RgbImage& image);

// The plain colour name of one sRGB pixel (same vocabulary as ColourShare::name).
std::string ColourName(uint8_t r, uint8_t g, uint8_t b);

}  // namespace qimg
