// The on-disk vector index file (docs/vector-index.md): one per model under config.vector_dir,
// a cache of the `vectors` table rebuildable at any time (`qimg repair`). Readers memory-map
// it read-only; writers write a new file and rename it over the old one, so a reader sees the
// old or the new file, never half of one.
//
// Layout (all integers little-endian):
//   0  magic "QIMGVEC\0"         8
//   8  version (1)              u32
//  12  dim                      u32
//  16  count                    u64
//  24  generation               i64   the vectors-table change sequence the rows reflect
//  32  checksum                 u64   Checksum64 of bytes [0,32) + [40, rows_offset)
//  40  hnsw_size                u64   size of the HNSW graph file beside it (0: none)
//  48  hnsw_checksum            u64   Checksum64 of that file
//  56  model_id_len             u32   <= 4096
//  60  reserved                 u32   0
//  64  model id bytes, zero-padded to a multiple of 8
//      labels: count x u64 (vector_label.h)
//      zero padding to a multiple of 64 bytes (rows_offset)
//      rows: count x dim x float32
// The float rows are not checksummed (a full read per open would cost more than the scan);
// their size is checked, and damaged floats can only yield wrong scores, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace qimg {

inline constexpr uint32_t kVectorFileVersion = 1;
inline constexpr int kMaxVectorDim = 65536;

// A fast non-cryptographic 64-bit checksum (four multiply-xor lanes, ~GB/s).
uint64_t Checksum64(const void* data, size_t size, uint64_t seed = 0);
// Checksum64 of a whole file, read in chunks; IoError when unreadable.
Result<uint64_t> ChecksumFile(const std::string& path, uint64_t* size);

struct VectorFileMeta {
  std::string model_id;
  int dim = 0;
  int64_t generation = 0;
  uint64_t hnsw_size = 0;
  uint64_t hnsw_checksum = 0;
};

class VectorFile {
 public:
  // Maps path. NotFound when it does not exist; Corrupt (never a crash) for a wrong magic,
  // version, size, checksum or dimension.
  static Result<std::unique_ptr<VectorFile>> Open(const std::string& path);
  ~VectorFile();
  VectorFile(const VectorFile&) = delete;
  VectorFile& operator=(const VectorFile&) = delete;

  const VectorFileMeta& meta() const { return meta_; }
  size_t count() const { return count_; }
  const uint64_t* labels() const { return labels_; }
  const float* rows() const { return rows_; }

 private:
  VectorFile() = default;
  VectorFileMeta meta_;
  size_t count_ = 0;
  const uint64_t* labels_ = nullptr;
  const float* rows_ = nullptr;
  void* map_ = nullptr;
  size_t map_size_ = 0;
};

// Writes the file atomically (temp file + fsync + rename). rows holds count x meta.dim floats.
Status WriteVectorFile(const std::string& path, const VectorFileMeta& meta,
                       const uint64_t* labels, const float* rows, size_t count);

}  // namespace qimg
