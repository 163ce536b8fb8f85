#include "tests/e2e/fake_hub.h"

#include <dirent.h>
#include <httplib.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace qimg::testing {
namespace {

std::string Hex(const unsigned char* d, size_t n) {
  static const char* k = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s.push_back(k[d[i] >> 4]);
    s.push_back(k[d[i] & 15]);
  }
  return s;
}
std::string Sha256(const std::string& s) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
  return Hex(d, sizeof(d));
}
std::string GitSha1(const std::string& s) {
  std::string blob = "blob " + std::to_string(s.size());
  blob.push_back('\0');
  blob += s;
  unsigned char d[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(blob.data()), blob.size(), d);
  return Hex(d, sizeof(d));
}
std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

FakeHub::FakeHub() : server_(std::make_unique<httplib::Server>()) {
  Install();
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // The socket is bound already, so clients can connect; wait for the accept loop anyway.
  for (int i = 0; i < 500 && !server_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

FakeHub::~FakeHub() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeHub::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeHub::AddRepo(const std::string& repo, const std::string& dir, const std::string& commit) {
  Repo r;
  r.commit = commit;
  DIR* d = ::opendir(dir.c_str());
  while (d) {
    dirent* e = ::readdir(d);
    if (!e) break;
    std::string n = e->d_name;
    struct stat st;
    if (n[0] == '.' || ::stat((dir + "/" + n).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    File f;
    f.path = n;
    f.content = ReadAll(dir + "/" + n);
    f.sha256 = Sha256(f.content);
    f.git_sha1 = GitSha1(f.content);
    f.lfs = f.content.size() > 100000 || n.find(".safetensors") != std::string::npos;
    r.files.push_back(std::move(f));
  }
  if (d) ::closedir(d);
  // What real repos also hold: a correct client skips all of these.
  for (const char* junk : {"pytorch_model.bin", "tf_model.h5", "flax_model.msgpack", "onnx/model.onnx",
                           "README.md", "open_clip_model.safetensors"}) {
    File f;
    f.path = junk;
    f.content = std::string("junk ") + junk;
    f.sha256 = Sha256(f.content);
    f.git_sha1 = GitSha1(f.content);
    f.lfs = f.path != "README.md";
    r.files.push_back(std::move(f));
  }
  std::lock_guard<std::mutex> l(mu_);
  repos_[repo] = std::move(r);
}

void FakeHub::DropOnce(const std::string& file) {
  std::lock_guard<std::mutex> l(mu_);
  drop_[file] = 1;
}
void FakeHub::Corrupt(const std::string& file, bool on) {
  std::lock_guard<std::mutex> l(mu_);
  corrupt_[file] = on;
}
void FakeHub::OmitBlobInfo() {
  std::lock_guard<std::mutex> l(mu_);
  omit_blobs_ = true;
}
void FakeHub::RequireToken(const std::string& token) {
  std::lock_guard<std::mutex> l(mu_);
  token_ = token;
}
std::vector<std::string> FakeHub::Requests() const {
  std::lock_guard<std::mutex> l(mu_);
  return requests_;
}

const FakeHub::File* FakeHub::FindFile(const std::string& repo, const std::string& path) const {
  auto it = repos_.find(repo);
  if (it == repos_.end()) return nullptr;
  for (const auto& f : it->second.files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

const FakeHub::File* FakeHub::FindBlob(const std::string& sha256, std::string* repo) const {
  for (const auto& [name, r] : repos_) {
    for (const auto& f : r.files) {
      if (f.sha256 == sha256) {
        *repo = name;
        return &f;
      }
    }
  }
  return nullptr;
}

void FakeHub::Install() {
  // Every request: log it, and enforce the token (hub routes; the CDN needs none).
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> l(mu_);
    requests_.push_back(req.method + " " + req.path +
                        (req.has_header("Range") ? " " + req.get_header_value("Range") : ""));
    if (!token_.empty() && req.path.rfind("/cdn/", 0) != 0 &&
        req.get_header_value("Authorization") != "Bearer " + token_) {
      res.status = 401;
      res.set_header("X-Error-Code", "GatedRepo");
      res.set_header("X-Error-Message", "Access to this model is restricted.");
      res.set_content("{\"error\": \"Access to this model is restricted.\"}", "application/json");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  server_->Get(R"(/api/models/([^/]+/[^/]+)/revision/([^/]+))",
               [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = repos_.find(req.matches[1]);
    std::string rev = req.matches[2];
    if (it == repos_.end() || (rev != "main" && rev != it->second.commit)) {
      res.status = 404;
      res.set_header("X-Error-Code", it == repos_.end() ? "RepoNotFound" : "RevisionNotFound");
      res.set_content("{\"error\": \"Repository not found\"}", "application/json");
      return;
    }
    bool blobs = req.get_param_value("blobs") == "true" && !omit_blobs_;
    nlohmann::json j;
    j["id"] = it->first;
    j["sha"] = it->second.commit;
    j["siblings"] = nlohmann::json::array();
    for (const auto& f : it->second.files) {
      nlohmann::json s = {{"rfilename", f.path}};
      if (blobs) {
        s["size"] = f.content.size();
        s["blobId"] = f.lfs ? std::string(40, '0') : f.git_sha1;
        if (f.lfs) s["lfs"] = {{"sha256", f.sha256}, {"size", f.content.size()}, {"pointerSize", 134}};
      }
      j["siblings"].push_back(s);
    }
    res.set_header("X-Repo-Commit", it->second.commit);
    res.set_content(j.dump(), "application/json");
  });

  server_->Get(R"(/([^/]+/[^/]+)/resolve/([^/]+)/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> l(mu_);
    std::string repo = req.matches[1], rev = req.matches[2], path = req.matches[3];
    auto it = repos_.find(repo);
    const File* f = FindFile(repo, path);
    if (!f || (rev != "main" && rev != it->second.commit)) {
      res.status = 404;
      res.set_header("X-Error-Code", "EntryNotFound");
      return;
    }
    res.set_header("X-Repo-Commit", it->second.commit);
    if (f->lfs) {
      res.status = 302;
      res.set_header("Location", endpoint() + "/cdn/" + f->sha256);
      res.set_header("X-Linked-Etag", "\"" + f->sha256 + "\"");
      res.set_header("X-Linked-Size", std::to_string(f->content.size()));
      res.set_header("ETag", "\"" + f->git_sha1 + "\"");
      return;
    }
    res.set_header("ETag", "\"" + f->git_sha1 + "\"");
    res.set_content(f->content, "application/octet-stream");
  });

  server_->Get(R"(/cdn/([0-9a-f]{64}))", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> l(mu_);
    std::string repo;
    const File* f = FindBlob(req.matches[1], &repo);
    if (!f) {
      res.status = 404;
      return;
    }
    auto content = std::make_shared<std::string>(f->content);
    if (corrupt_[f->path]) (*content)[content->size() / 3] ^= 0x5a;
    bool drop = drop_[f->path] > 0;
    if (drop) --drop_[f->path];
    res.set_content_provider(
        content->size(), "application/octet-stream",
        [content, drop](size_t offset, size_t length, httplib::DataSink& sink) {
          if (drop && offset >= content->size() / 2) return false;  // the connection drops
          size_t n = std::min<size_t>(length, 64 * 1024);
          sink.write(content->data() + offset, n);
          return true;
        });
  });
}

}  // namespace qimg::testing
