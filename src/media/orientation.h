// Internal to media/: EXIF orientation (TIFF tag 274) applied to decoded pixels.
#pragma once

#include "media/image.h"

namespace qimg::media_internal {

// Orientations 5-8 store the image transposed: display width is the stored height.
inline bool OrientationSwapsSides(int orientation) { return orientation >= 5 && orientation <= 8; }

// Returns the display-oriented image: 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90
// clockwise, 7 transverse, 8 rotate 90 counter-clockwise. Other values return the input.
RgbImage ApplyOrientation(RgbImage image, int orientation);

}  // namespace qimg::media_internal
