// Decoding images to 8-bit RGB for hashing, colour analysis and the neural encoders.
#pragma once

#include <string>

#include "base/status.h"
#include "media/image.h"

namespace qimg {

// Decodes the first page/frame of the image at `path` to RgbImage (see media/image.h), with
// the conversions PIL's Image.open(path).convert("RGB") makes, plus EXIF orientation:
//  - EXIF orientation applied (the result is the display size ProbeImage reports as width/height);
//  - alpha dropped, not composited (RGBA -> RGB keeps the colour under transparent pixels);
//  - grayscale expanded to three equal channels; palettes expanded;
//  - 16-bit samples reduced to their high byte (PIL's "RGB;16B" unpacking);
//  - CMYK (Adobe-inverted or not) converted with PIL's naive formula, not through an ICC profile;
//  - embedded ICC profiles are ignored, like PIL.
// min_side_hint > 0 allows shrink-on-load: JPEG DCT scaling (1/2, 1/4, 1/8) and WebP scaled
// decoding pick the largest reduction whose shorter output side is still >= min_side_hint. No
// other resampling is ever done, so callers apply their own exact resize afterwards. Formats
// without shrink-on-load decode at full size. 0 = always full resolution.
// Errors: those of ProbeImage (including ResourceExhausted over kMaxImagePixels, checked before
// decoding), plus Corrupt when pixel data is damaged or truncated (partial images are refused).
Result<RgbImage> DecodeRgb(const std::string& path, int min_side_hint = 0);

// Same, from encoded bytes in memory (e.g. an HTTP upload). Same conversions and errors.
Result<RgbImage> DecodeRgbFromMemory(const std::string& bytes, int min_side_hint = 0);

// A baseline JPEG (EXIF-rotated, no metadata, sRGB) whose longer side is at most max_side
// (never enlarged), quality 1-100. For agents and the web page. Errors as DecodeRgb, and
// InvalidArgument for max_side < 1 or quality outside 1-100.
Result<std::string> ThumbnailJpeg(const std::string& path, int max_side, int quality = 85);

// Encodes an RgbImage as JPEG (no metadata). InvalidArgument for an empty image or bad quality.
Result<std::string> EncodeJpeg(const RgbImage& image, int quality = 85);

}  // namespace qimg
