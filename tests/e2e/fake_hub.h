// A fake Hugging Face Hub on 127.0.0.1 (plain HTTP, ephemeral port) for offline download tests.
// It serves the hub's URL layout and headers for repos backed by local folders:
//   GET  /api/models/{repo}/revision/{rev}[?blobs=true]  → {"id", "sha", "siblings": [...]}
//   HEAD/GET /{repo}/resolve/{rev}/{file}  → small files: 200 + ETag (git blob id);
//        LFS files (*.safetensors, anything over 100 kB): 302 to /cdn/{sha256} with
//        X-Linked-Etag / X-Linked-Size; every reply carries X-Repo-Commit
//   GET  /cdn/{sha256}  → the bytes, with Range support
// Each listing also names pickled/foreign weights (pytorch_model.bin, tf_model.h5, …) that a
// correct client never asks for. Faults can be injected per file.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace qimg::testing {

class FakeHub {
 public:
  FakeHub();
  ~FakeHub();
  FakeHub(const FakeHub&) = delete;
  FakeHub& operator=(const FakeHub&) = delete;

  // Serves the files of `dir` as `repo` ("org/name") at revision "main" = `commit`.
  void AddRepo(const std::string& repo, const std::string& dir, const std::string& commit);
  std::string endpoint() const;  // "http://127.0.0.1:PORT"

  // The next transfer of `file` closes the connection after half of the bytes.
  void DropOnce(const std::string& file);
  // `file` is served with one byte flipped (the listing keeps the true hash); false heals it.
  void Corrupt(const std::string& file, bool on = true);
  // The listing leaves out sizes and hashes (as without ?blobs=true): the client must HEAD.
  void OmitBlobInfo();
  // 401 for every request without "Authorization: Bearer <token>".
  void RequireToken(const std::string& token);

  // "METHOD path [range]" of every request so far.
  std::vector<std::string> Requests() const;

 private:
  struct File {
    std::string path, content, sha256, git_sha1;
    bool lfs = false;
  };
  struct Repo {
    std::string commit;
    std::vector<File> files;
  };
  void Install();
  const File* FindFile(const std::string& repo, const std::string& path) const;
  const File* FindBlob(const std::string& sha256, std::string* repo) const;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, Repo> repos_;
  std::map<std::string, int> drop_;       // file → remaining drops
  std::map<std::string, bool> corrupt_;   // file → flip a byte
  std::string token_;
  bool omit_blobs_ = false;
  std::vector<std::string> requests_;
};

}  // namespace qimg::testing
