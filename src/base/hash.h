// Content hashes through OpenSSL's libcrypto (SHA-256 at GB/s; SHA-1 only for legacy-style ids).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace qimg {

// Lowercase hex SHA-256 of a byte string.
std::string Sha256Hex(std::string_view data);
// Lowercase hex SHA-1 of a byte string.
std::string Sha1Hex(std::string_view data);
// Lowercase hex SHA-256 of a file's bytes, read in 1 MiB chunks. IoError when it cannot be read.
Result<std::string> Sha256File(const std::string& path);

// Incremental SHA-256 for data read elsewhere (e.g. while the file is being decoded).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const void* data, size_t size);
  std::string FinishHex();

 private:
  void* ctx_;
};

}  // namespace qimg
