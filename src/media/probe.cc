#include "media/probe.h"

#include <string>

#include "base/text.h"
#include "media/bmp_decoder.h"
#include "media/media_init.h"
#include "media/orientation.h"
#include "media/probe_internal.h"

namespace qimg {
namespace media_internal {
namespace {

int BitsOf(VipsBandFormat format) {
  switch (format) {
    case VIPS_FORMAT_UCHAR:
    case VIPS_FORMAT_CHAR:
      return 8;
    case VIPS_FORMAT_USHORT:
    case VIPS_FORMAT_SHORT:
      return 16;
    case VIPS_FORMAT_DOUBLE:
    case VIPS_FORMAT_DPCOMPLEX:
      return 64;
    default:
      return 32;
  }
}

Status CheckPixelLimit(int64_t width, int64_t height, const std::string& name) {
  if (width <= 0 || height <= 0) return Status::Corrupt("image has no pixels: " + name);
  if (width * height > kMaxImagePixels) {
    return Status::ResourceExhausted("image too large: " + std::to_string(width) + "x" +
                                     std::to_string(height) + " pixels exceeds the limit of " +
                                     std::to_string(kMaxImagePixels) + ": " + name);
  }
  return Status::Ok();
}

}  // namespace

Result<ImageHeader> ProbeEncoded(const EncodedInput& input, std::string_view head,
                                 const std::string& name) {
  const Container container = SniffContainer(head);
  if (container == Container::kUnknown) {
    return Status::Corrupt("not a recognised image format: " + name);
  }
  ImageHeader h;
  h.format = ContainerName(container);
  if (container == Container::kBmp) {
    auto info = ReadBmpInfo(head);
    if (!info.ok()) return info.status().WithContext(name);
    h.stored_width = h.width = info->width;
    h.stored_height = h.height = info->height;
    h.bands = info->has_alpha ? 4 : 3;
    h.has_alpha = info->has_alpha;
    QIMG_RETURN_IF_ERROR(CheckPixelLimit(h.width, h.height, name));
    return h;
  }
  QIMG_RETURN_IF_ERROR(InitMedia());
  auto image = LoadVips(input, container, LoadOptions{});
  if (!image.ok()) return image.status().WithContext(name);
  VipsImage* im = image->get();
  h.stored_width = vips_image_get_width(im);
  // Multi-page loaders report one page unless asked for more, so this is the first frame.
  h.stored_height = vips_image_get_height(im);
  h.pages = std::max(1, vips_image_get_n_pages(im));
  h.bands = vips_image_get_bands(im);
  h.has_alpha = vips_image_hasalpha(im);
  h.bits_per_sample = BitsOf(vips_image_get_format(im));
  int orientation = vips_image_get_orientation(im);
  h.orientation = (orientation >= 1 && orientation <= 8) ? orientation : 1;
  const bool swap = OrientationSwapsSides(h.orientation);
  h.width = swap ? h.stored_height : h.stored_width;
  h.height = swap ? h.stored_width : h.stored_height;
  QIMG_RETURN_IF_ERROR(CheckPixelLimit(h.stored_width, h.stored_height, name));
  return h;
}

}  // namespace media_internal

Result<ImageHeader> ProbeImage(const std::string& path) {
  using namespace media_internal;
  QIMG_ASSIGN_OR_RETURN(ImageFile file, ImageFile::Open(path, kMaxImageFileBytes));
  // BMP headers are at most 14 + 124 bytes plus masks; 256 covers every sniffer too.
  QIMG_ASSIGN_OR_RETURN(std::string head, file.ReadHead(256));
  return ProbeEncoded(EncodedInput{file.fd(), nullptr}, head, SanitizeUtf8(path));
}

}  // namespace qimg
