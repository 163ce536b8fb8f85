// A small Hugging Face Hub client over libcurl (the only file pair that uses curl). It lists a
// repository at a revision and fetches single files with resume, size and checksum checks.
// Proxies follow libcurl's usual environment (http_proxy, https_proxy, no_proxy).
//
// Errors: Unavailable for 401/403 (gated or private repo; the message says how to set HF_TOKEN),
// NotFound for 404, IoError for network failures (named with the URL) and local write errors,
// Corrupt for a file whose size or checksum disagrees with the hub, or an API reply that is not
// the expected JSON.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace qimg {

struct HubFile {
  std::string path;               // "model.safetensors", relative to the repo root
  std::optional<int64_t> size;    // bytes, when the hub said
  std::string sha256;             // LFS files: the content SHA-256 (the hub's linked etag)
  std::string git_sha1;           // small files: the git blob id (the hub's ETag)
};

struct HubRepoInfo {
  std::string repo;
  std::string commit;  // the revision resolved to a commit (X-Repo-Commit / "sha")
  std::vector<HubFile> files;
};

// Called while a file downloads: bytes on disk so far (including a resumed part) and the total
// (0 when unknown).
using HubProgress = std::function<void(int64_t done, int64_t total)>;

struct HubOptions {
  std::string endpoint = "https://huggingface.co";  // no trailing slash
  std::string token;                                 // sent as "Authorization: Bearer …"
  int max_attempts = 5;        // per file; interrupted transfers resume with Range
  int retry_delay_ms = 1000;   // grows linearly with the attempt number
};

// HF_ENDPOINT (default https://huggingface.co) and HF_TOKEN (or HUGGING_FACE_HUB_TOKEN).
HubOptions HubOptionsFromEnv();

class HubClient {
 public:
  explicit HubClient(HubOptions options);

  const HubOptions& options() const { return options_; }

  // GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true: the commit and the files
  // with sizes and hashes.
  Result<HubRepoInfo> GetRepoInfo(const std::string& repo, const std::string& revision) const;

  // HEAD {endpoint}/{repo}/resolve/{revision}/{path} without following redirects: size and hash
  // from X-Linked-Size / X-Linked-Etag (LFS) or Content-Length / ETag. Fills what `file` lacks.
  Status FillFileMeta(const std::string& repo, const std::string& revision, HubFile* file) const;

  // Downloads `file` into dest: bytes go to "<dest>.part" (resumed with Range when present, and
  // after dropped connections up to max_attempts), then size and checksum are verified and the
  // part is renamed to dest. A part that fails verification is deleted (it cannot be resumed).
  // Returns the SHA-256 of the content.
  Result<std::string> Download(const std::string& repo, const std::string& revision,
                               const HubFile& file, const std::string& dest,
                               const HubProgress& progress) const;

  // The resolve URL of a file.
  std::string ResolveUrl(const std::string& repo, const std::string& revision,
                         const std::string& path) const;

 private:
  HubOptions options_;
};

// The SHA-1 of "blob <size>\0<content>" of a file: the id git (and the hub's ETag) gives it.
Result<std::string> GitBlobSha1File(const std::string& path);

}  // namespace qimg
