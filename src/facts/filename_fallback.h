// The original's file-name heuristics (SPEC §6.2), kept only as explicitly named fallback
// sources for when no image model is installed: they describe the file's name, not its pixels,
// and say so in their source names.
#pragma once

#include <string>
#include <vector>

#include "facts/extracted_fact.h"

namespace qimg::facts {

inline constexpr const char* kFilenameTagSource = "filename_tokens@1";
inline constexpr const char* kFilenameCaptionSource = "filename_caption@1";

// "trips/japan/IMG_2024_tokyo.jpg" -> tags trips, japan, img, 2024, tokyo: ASCII [A-Za-z0-9]
// runs of folder + stem, lowercased, longer than 2 characters, de-duplicated, first 8. No
// confidence: a name token's relevance is unknown (the original's 0.9, 0.8, ... was invented).
std::vector<ExtractedFact> FilenameTags(const std::string& rel_path);
// "2024/sunset_beach-01.jpg" -> "Image likely related to sunset beach 01." ("untitled image"
// for an empty stem).
ExtractedFact FilenameCaption(const std::string& rel_path);

}  // namespace qimg::facts
