#include "index/vector_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace qimg {
namespace {

constexpr char kMagic[8] = {'Q', 'I', 'M', 'G', 'V', 'E', 'C', '\0'};
constexpr size_t kHeaderSize = 64;
constexpr uint32_t kMaxModelIdLen = 4096;

size_t Pad8(size_t n) { return (n + 7) & ~size_t{7}; }
size_t Pad64(size_t n) { return (n + 63) & ~size_t{63}; }

template <typename T>
T Load(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);  // little-endian hosts only (x86-64, arm64)
  return v;
}
template <typename T>
void Store(unsigned char* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

constexpr uint64_t kP1 = 0x9E3779B185EBCA87ull, kP2 = 0xC2B2AE3D27D4EB4Full;
inline uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline uint64_t Round(uint64_t acc, uint64_t w) { return Rotl(acc + w * kP2, 31) * kP1; }

struct Hasher {
  uint64_t lane[4];
  uint64_t total = 0;
  unsigned char buf[32];
  size_t buffered = 0;
  explicit Hasher(uint64_t seed) : lane{seed + kP1 + kP2, seed + kP2, seed, seed - kP1} {}
  void Block(const unsigned char* p) {
    for (int i = 0; i < 4; ++i) lane[i] = Round(lane[i], Load<uint64_t>(p + 8 * i));
  }
  void Update(const unsigned char* p, size_t n) {
    total += n;
    if (buffered) {
      size_t take = std::min(n, 32 - buffered);
      std::memcpy(buf + buffered, p, take);
      buffered += take, p += take, n -= take;
      if (buffered < 32) return;
      Block(buf);
      buffered = 0;
    }
    for (; n >= 32; p += 32, n -= 32) Block(p);
    std::memcpy(buf, p, n);
    buffered = n;
  }
  uint64_t Finish() {
    uint64_t h = Rotl(lane[0], 1) + Rotl(lane[1], 7) + Rotl(lane[2], 12) + Rotl(lane[3], 18);
    h ^= total * kP1;
    for (size_t i = 0; i < buffered; ++i) h = Rotl(h ^ (buf[i] * kP2), 11) * kP1;
    h ^= h >> 33;
    h *= kP2;
    h ^= h >> 29;
    return h;
  }
};

uint64_t HeaderChecksum(const unsigned char* base, size_t rows_offset) {
  Hasher h(0);
  h.Update(base, 32);
  h.Update(base + 40, rows_offset - 40);
  return h.Finish();
}

}  // namespace

uint64_t Checksum64(const void* data, size_t size, uint64_t seed) {
  Hasher h(seed);
  h.Update(static_cast<const unsigned char*>(data), size);
  return h.Finish();
}

Result<uint64_t> ChecksumFile(const std::string& path, uint64_t* size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path + " does not exist");
    return Status::IoError("cannot open " + path + ": " + std::strerror(errno));
  }
  Hasher h(0);
  std::vector<unsigned char> buf(size_t{4} << 20);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return Status::IoError("cannot read " + path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    h.Update(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  if (size) *size = h.total;
  return h.Finish();
}

VectorFile::~VectorFile() {
  if (map_) ::munmap(map_, map_size_);
}

Result<std::unique_ptr<VectorFile>> VectorFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("vector index " + path + " does not exist");
    return Status::IoError("cannot open vector index " + path + ": " + std::strerror(errno));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Status::IoError("cannot stat " + path);
  }
  size_t size = static_cast<size_t>(st.st_size);
  auto corrupt = [&](const std::string& why) {
    return Status::Corrupt("vector index " + path + " is damaged (" + why + ")");
  };
  if (size < kHeaderSize) {
    ::close(fd);
    return corrupt("shorter than its header");
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return Status::IoError("cannot map " + path + ": " + std::strerror(errno));
  std::unique_ptr<VectorFile> f(new VectorFile());
  f->map_ = map;
  f->map_size_ = size;
  const auto* p = static_cast<const unsigned char*>(map);
  if (std::memcmp(p, kMagic, 8) != 0) return corrupt("bad magic");
  uint32_t version = Load<uint32_t>(p + 8);
  if (version != kVectorFileVersion)
    return corrupt("version " + std::to_string(version) + ", this build reads " +
                   std::to_string(kVectorFileVersion));
  uint32_t dim = Load<uint32_t>(p + 12);
  uint64_t count = Load<uint64_t>(p + 16);
  uint32_t id_len = Load<uint32_t>(p + 56);
  if (dim == 0 || dim > static_cast<uint32_t>(kMaxVectorDim)) return corrupt("bad dimension");
  if (id_len > kMaxModelIdLen) return corrupt("bad model id length");
  // Sizes checked with divisions first, so a huge count cannot overflow the arithmetic.
  size_t after_id = kHeaderSize + Pad8(id_len);
  if (count > (size - std::min(size, after_id)) / 8) return corrupt("truncated labels");
  size_t rows_offset = Pad64(after_id + 8 * count);
  size_t row_bytes = size_t{4} * dim;
  if (rows_offset > size || count > (size - rows_offset) / row_bytes) return corrupt("truncated rows");
  if (rows_offset + count * row_bytes != size) return corrupt("unexpected file size");
  if (HeaderChecksum(p, rows_offset) != Load<uint64_t>(p + 32)) return corrupt("checksum mismatch");
  f->meta_.dim = static_cast<int>(dim);
  f->meta_.generation = Load<int64_t>(p + 24);
  f->meta_.hnsw_size = Load<uint64_t>(p + 40);
  f->meta_.hnsw_checksum = Load<uint64_t>(p + 48);
  f->meta_.model_id.assign(reinterpret_cast<const char*>(p + kHeaderSize), id_len);
  f->count_ = count;
  f->labels_ = reinterpret_cast<const uint64_t*>(p + after_id);
  f->rows_ = reinterpret_cast<const float*>(p + rows_offset);
  // The exact scan streams the rows once per query; tell the kernel to read ahead.
  ::madvise(map, size, MADV_WILLNEED);
  return f;
}

Status WriteVectorFile(const std::string& path, const VectorFileMeta& meta,
                       const uint64_t* labels, const float* rows, size_t count) {
  if (meta.dim <= 0 || meta.dim > kMaxVectorDim)
    return Status::InvalidArgument("vector dimension " + std::to_string(meta.dim) + " out of range");
  if (meta.model_id.size() > kMaxModelIdLen) return Status::InvalidArgument("model id too long");
  size_t after_id = kHeaderSize + Pad8(meta.model_id.size());
  size_t rows_offset = Pad64(after_id + 8 * count);
  std::vector<unsigned char> head(rows_offset, 0);
  unsigned char* p = head.data();
  std::memcpy(p, kMagic, 8);
  Store<uint32_t>(p + 8, kVectorFileVersion);
  Store<uint32_t>(p + 12, static_cast<uint32_t>(meta.dim));
  Store<uint64_t>(p + 16, count);
  Store<int64_t>(p + 24, meta.generation);
  Store<uint64_t>(p + 40, meta.hnsw_size);
  Store<uint64_t>(p + 48, meta.hnsw_checksum);
  Store<uint32_t>(p + 56, static_cast<uint32_t>(meta.model_id.size()));
  std::memcpy(p + kHeaderSize, meta.model_id.data(), meta.model_id.size());
  if (count) std::memcpy(p + after_id, labels, 8 * count);
  Store<uint64_t>(p + 32, HeaderChecksum(p, rows_offset));

  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("cannot create " + tmp + ": " + std::strerror(errno));
  auto write_all = [&](const void* data, size_t n) {
    const char* c = static_cast<const char*>(data);
    while (n > 0) {
      ssize_t w = ::write(fd, c, std::min(n, size_t{1} << 30));
      if (w < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      c += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  };
  bool ok = write_all(head.data(), head.size()) &&
            write_all(rows, count * static_cast<size_t>(meta.dim) * 4) && ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) err = errno;
    ::unlink(tmp.c_str());
    return Status::IoError("cannot write vector index " + path + ": " + std::strerror(err));
  }
  return Status::Ok();
}

}  // namespace qimg
