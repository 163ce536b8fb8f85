// Internal to media/: process-wide exiv2 setup, called once from InitMedia().
#pragma once

namespace qimg::media_internal {

// Mutes exiv2's stderr messages, enables ISO-BMFF (HEIF/AVIF) parsing and initialises the XMP
// toolkit with a lock (its namespace registry is global state).
void SetUpExiv2();

}  // namespace qimg::media_internal
