// Internal to media/: probing shared by ProbeImage and the decoders.
#pragma once

#include <string_view>

#include "base/status.h"
#include "media/image_file.h"
#include "media/probe.h"
#include "media/vips_loader.h"

namespace qimg::media_internal {

// Header of encoded input whose first bytes are `head` (the whole input for BMP). Applies the
// pixel limit. `name` is used in messages.
Result<ImageHeader> ProbeEncoded(const EncodedInput& input, std::string_view head,
                                 const std::string& name);

}  // namespace qimg::media_internal
