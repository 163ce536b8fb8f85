#include "media/vips_loader.h"

#include <unistd.h>

namespace qimg::media_internal {

Status VipsError(StatusCode code, const std::string& what) {
  char* text = vips_error_buffer_copy();  // also clears the buffer
  std::string detail = text ? CleanMessage(text) : std::string();
  g_free(text);
  return Status(code, detail.empty() ? what : what + ": " + detail);
}

Result<VipsImagePtr> LoadVips(const EncodedInput& input, Container container,
                              const LoadOptions& options) {
  VipsSource* raw_source = nullptr;
  if (input.bytes != nullptr) {
    raw_source = vips_source_new_from_memory(input.bytes->data(), input.bytes->size());
  } else {
    // vips dup()s the descriptor, which shares our file offset: start every load at 0.
    if (::lseek(input.fd, 0, SEEK_SET) < 0) return Status::IoError("cannot seek image file");
    raw_source = vips_source_new_from_descriptor(input.fd);
  }
  if (raw_source == nullptr) return VipsError(StatusCode::kIoError, "cannot read image");
  std::unique_ptr<VipsSource, GObjectUnref> source(raw_source);

  VipsImage* out = nullptr;
  int rc = -1;
  const VipsAccess access = VIPS_ACCESS_SEQUENTIAL;
  const VipsFailOn fail_on = VIPS_FAIL_ON_TRUNCATED;
  switch (container) {
    case Container::kJpeg:
      rc = vips_jpegload_source(source.get(), &out, "access", access, "fail_on", fail_on,
                                "shrink", options.jpeg_shrink, nullptr);
      break;
    case Container::kPng:
      rc = vips_pngload_source(source.get(), &out, "access", access, "fail_on", fail_on, nullptr);
      break;
    case Container::kGif:
      rc = vips_gifload_source(source.get(), &out, "access", access, "fail_on", fail_on, nullptr);
      break;
    case Container::kWebp:
      rc = vips_webpload_source(source.get(), &out, "access", access, "fail_on", fail_on, "scale",
                                options.webp_scale, nullptr);
      break;
    case Container::kTiff:
      rc = vips_tiffload_source(source.get(), &out, "access", access, "fail_on", fail_on, nullptr);
      break;
    case Container::kHeic:
    case Container::kAvif:
      rc = vips_heifload_source(source.get(), &out, "access", access, "fail_on", fail_on, nullptr);
      break;
    case Container::kBmp:
    case Container::kUnknown:
      return Status::Internal("no vips loader for this container");
  }
  if (rc != 0 || out == nullptr) {
    if (out) g_object_unref(out);
    return VipsError(StatusCode::kCorrupt,
                     std::string("cannot read ") + ContainerName(container) + " header");
  }
  return VipsImagePtr(out);
}

}  // namespace qimg::media_internal
