#include "media/image_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/text.h"

namespace qimg::media_internal {

const char* ContainerName(Container c) {
  switch (c) {
    case Container::kJpeg: return "jpeg";
    case Container::kPng: return "png";
    case Container::kGif: return "gif";
    case Container::kWebp: return "webp";
    case Container::kTiff: return "tiff";
    case Container::kBmp: return "bmp";
    case Container::kHeic: return "heic";
    case Container::kAvif: return "avif";
    case Container::kUnknown: break;
  }
  return "unknown";
}

namespace {

bool HasPrefix(std::string_view s, std::string_view prefix, size_t at = 0) {
  return s.size() >= at + prefix.size() && s.substr(at, prefix.size()) == prefix;
}

// ISO-BMFF "ftyp" box: major brand at 8, compatible brands from 16 to the box end.
Container SniffFtyp(std::string_view head) {
  if (!HasPrefix(head, "ftyp", 4)) return Container::kUnknown;
  uint32_t box = (uint32_t(uint8_t(head[0])) << 24) | (uint32_t(uint8_t(head[1])) << 16) |
                 (uint32_t(uint8_t(head[2])) << 8) | uint32_t(uint8_t(head[3]));
  size_t end = std::min<size_t>(head.size(), box < 16 ? 16 : box);
  auto is_avif = [](std::string_view b) { return b == "avif" || b == "avis"; };
  auto is_heif = [](std::string_view b) {
    return b == "heic" || b == "heix" || b == "hevc" || b == "hevx" || b == "heim" ||
           b == "heis" || b == "mif1" || b == "msf1" || b == "mif2";
  };
  if (head.size() < 12) return Container::kUnknown;
  std::string_view major = head.substr(8, 4);
  if (is_avif(major)) return Container::kAvif;
  bool heif = is_heif(major);
  for (size_t i = 16; i + 4 <= end; i += 4) {
    std::string_view brand = head.substr(i, 4);
    if (is_avif(brand)) return Container::kAvif;  // "mif1" major + "avif" compatible
    if (is_heif(brand)) heif = true;
  }
  return heif ? Container::kHeic : Container::kUnknown;
}

}  // namespace

Container SniffContainer(std::string_view head) {
  if (HasPrefix(head, "\xFF\xD8\xFF")) return Container::kJpeg;
  if (HasPrefix(head, "\x89PNG\r\n\x1A\n")) return Container::kPng;
  if (HasPrefix(head, "GIF87a") || HasPrefix(head, "GIF89a")) return Container::kGif;
  if (HasPrefix(head, "RIFF") && HasPrefix(head, "WEBP", 8)) return Container::kWebp;
  if (HasPrefix(head, std::string_view("II*\0", 4)) || HasPrefix(head, std::string_view("MM\0*", 4)) ||
      HasPrefix(head, std::string_view("II+\0", 4)) || HasPrefix(head, std::string_view("MM\0+", 4))) {
    return Container::kTiff;
  }
  if (HasPrefix(head, "BM") && head.size() >= 18) return Container::kBmp;
  return SniffFtyp(head);
}

ImageFile::ImageFile(ImageFile&& other) noexcept
    : fd_(other.fd_), size_(other.size_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

ImageFile& ImageFile::operator=(ImageFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    size_ = other.size_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

ImageFile::~ImageFile() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

Status ErrnoStatus(int err, const std::string& what, const std::string& path) {
  std::string msg = what + " " + SanitizeUtf8(path) + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return Status::NotFound(msg);
    case ELOOP:
      return Status::IoError(what + " " + SanitizeUtf8(path) + ": symbolic link loop");
    default:
      return Status::IoError(msg);
  }
}

Status PreadFully(int fd, char* buf, size_t n, int64_t offset, size_t* got) {
  *got = 0;
  while (*got < n) {
    ssize_t r = ::pread(fd, buf + *got, n - *got, offset + static_cast<int64_t>(*got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::IoError(std::string("read failed: ") + std::strerror(errno));
    }
    if (r == 0) break;
    *got += static_cast<size_t>(r);
  }
  return Status::Ok();
}

}  // namespace

Result<ImageFile> ImageFile::Open(const std::string& path, int64_t max_bytes) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus(errno, "cannot stat", path);
  if (S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument("is a directory: " + SanitizeUtf8(path));
  }
  // Never open FIFOs, sockets or devices: reading them may block forever or never end.
  if (!S_ISREG(st.st_mode)) return Status::IoError("not a regular file: " + SanitizeUtf8(path));
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open", path);
  ImageFile file;
  file.fd_ = fd;
  file.path_ = path;
  struct stat fst;
  if (::fstat(fd, &fst) != 0) return ErrnoStatus(errno, "cannot stat", path);
  // The path may have been swapped between stat and open; only the opened object counts.
  if (!S_ISREG(fst.st_mode) || fst.st_ino != st.st_ino || fst.st_dev != st.st_dev) {
    return Status::IoError("file changed while opening: " + SanitizeUtf8(path));
  }
  file.size_ = fst.st_size;
  if (file.size_ == 0) return Status::Corrupt("empty file: " + SanitizeUtf8(path));
  if (file.size_ > max_bytes) {
    return Status::ResourceExhausted("file too large (" + std::to_string(file.size_) +
                                     " bytes): " + SanitizeUtf8(path));
  }
  return file;
}

Result<std::string> ImageFile::ReadHead(size_t n) const {
  std::string buf(std::min<int64_t>(static_cast<int64_t>(n), size_), '\0');
  size_t got = 0;
  QIMG_RETURN_IF_ERROR(PreadFully(fd_, buf.data(), buf.size(), 0, &got));
  buf.resize(got);
  return buf;
}

Result<std::string> ImageFile::ReadAll() const {
  std::string buf(static_cast<size_t>(size_), '\0');
  size_t got = 0;
  QIMG_RETURN_IF_ERROR(PreadFully(fd_, buf.data(), buf.size(), 0, &got));
  buf.resize(got);
  return buf;
}

std::string CleanMessage(std::string_view text) {
  std::string s = SanitizeUtf8(text);
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  s = Trim(s);
  if (s.size() > 300) {
    size_t cut = 300;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s = s.substr(0, cut) + "...";
  }
  return s;
}

}  // namespace qimg::media_internal
