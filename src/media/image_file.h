// Internal to media/: opening untrusted image files safely and recognising their container.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace qimg::media_internal {

// Containers recognised from magic bytes.
enum class Container { kUnknown, kJpeg, kPng, kGif, kWebp, kTiff, kBmp, kHeic, kAvif };

// "jpeg", "png", ... as in ImageHeader::format; "unknown" for kUnknown.
const char* ContainerName(Container c);

// Recognises a container from the first bytes of a file (at least 32 should be given when the
// file has them; shorter input is fine).
Container SniffContainer(std::string_view head);

// A regular file opened read-only. Move-only; closes its descriptor.
class ImageFile {
 public:
  ImageFile() = default;
  ImageFile(ImageFile&& other) noexcept;
  ImageFile& operator=(ImageFile&& other) noexcept;
  ImageFile(const ImageFile&) = delete;
  ImageFile& operator=(const ImageFile&) = delete;
  ~ImageFile();

  int fd() const { return fd_; }
  int64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // Up to n bytes from the start of the file (fewer when the file is shorter).
  Result<std::string> ReadHead(size_t n) const;
  // The whole file (size() bytes).
  Result<std::string> ReadAll() const;

  // stat() first, so FIFOs, sockets and devices are refused without being opened; then
  // open(O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) and fstat() again, refusing anything that
  // is not the same regular file. Errors as documented for ProbeImage (empty file -> Corrupt,
  // size > max_bytes -> ResourceExhausted).
  static Result<ImageFile> Open(const std::string& path, int64_t max_bytes);

 private:
  int fd_ = -1;
  int64_t size_ = 0;
  std::string path_;
};

// A message that is safe to show: valid UTF-8, at most ~300 bytes, no newlines.
std::string CleanMessage(std::string_view text);

}  // namespace qimg::media_internal
