#include "app/hub_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/fs.h"
#include "base/hash.h"
#include "base/text.h"

namespace qimg {
namespace {

constexpr size_t kMaxErrorBody = 64 * 1024;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string EnvString(const char* name) {
  const char* v = std::getenv(name);
  return v ? Trim(v) : std::string();
}

// Hub ETags come quoted and sometimes weak: W/"abc" → abc.
std::string CleanEtag(std::string v) {
  v = Trim(v);
  if (StartsWith(v, "W/")) v = v.substr(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return ToLowerAscii(v);
}

bool IsHex(const std::string& s, size_t len) {
  if (s.size() != len) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::optional<int64_t> ParseSize(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (*end != '\0' || v < 0) return std::nullopt;
  return static_cast<int64_t>(v);
}

// Percent-encodes one path segment (or a whole revision such as "refs/pr/1", which the hub
// expects as a single encoded segment).
std::string Escape(CURL* curl, const std::string& s) {
  char* e = curl_easy_escape(curl, s.c_str(), static_cast<int>(s.size()));
  std::string out = e ? e : s;
  curl_free(e);
  return out;
}

struct Reply {
  long status = 0;
  std::map<std::string, std::string> headers;  // of the final response, names lowercased
  std::string body;                            // small replies and error bodies
  CURLcode code = CURLE_OK;
  std::string curl_error;
};

struct Transfer {
  CURL* curl = nullptr;
  Reply* reply = nullptr;
  int fd = -1;              // when set, 2xx bodies go to this file
  int64_t resume_from = 0;  // bytes already in fd's file
  bool truncated = false;   // a 200 answered our Range: restart the file
  int64_t written = 0;
  Status write_error;
  const HubProgress* progress = nullptr;
  int64_t expected_total = 0;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * n);
  // A new status line starts a new response (after a redirect): keep only the last one's headers.
  if (StartsWith(line, "HTTP/")) {
    t->reply->headers.clear();
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    t->reply->headers[ToLowerAscii(Trim(line.substr(0, colon)))] = Trim(line.substr(colon + 1));
  }
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (t->fd < 0 || status < 200 || status >= 300) {
    if (t->reply->body.size() < kMaxErrorBody) t->reply->body.append(data, len);
    return len;
  }
  if (t->resume_from > 0 && status == 200 && !t->truncated) {
    // The server ignored Range and sends the whole file: start the part over.
    if (::ftruncate(t->fd, 0) != 0 || ::lseek(t->fd, 0, SEEK_SET) < 0) {
      t->write_error = Status::IoError("cannot truncate the partial download");
      return 0;
    }
    t->truncated = true;
    t->resume_from = 0;
  }
  size_t off = 0;
  while (off < len) {
    ssize_t w = ::write(t->fd, data + off, len - off);
    if (w <= 0) {
      t->write_error = Status::IoError("cannot write the download to disk (disk full?)");
      return 0;
    }
    off += static_cast<size_t>(w);
  }
  t->written += static_cast<int64_t>(len);
  return len;
}

int OnProgress(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->progress && *t->progress) {
    int64_t total = t->expected_total > 0 ? t->expected_total
                                          : (dltotal > 0 ? t->resume_from + dltotal : 0);
    (*t->progress)(t->resume_from + static_cast<int64_t>(dlnow), total);
  }
  return 0;
}

enum class Method { kGet, kHead };

Reply Perform(const HubOptions& options, Method method, const std::string& url, bool follow,
              Transfer* t) {
  GlobalInitOnce();
  Reply reply;
  CURL* curl = curl_easy_init();
  if (!curl) {
    reply.code = CURLE_FAILED_INIT;
    reply.curl_error = "cannot initialise libcurl";
    return reply;
  }
  Transfer local;
  if (!t) t = &local;
  t->curl = curl;
  t->reply = &reply;
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "qimg/0.2.0");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
  // A stalled transfer (under 1 byte/s for a minute) fails and is retried with Range.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, t);
  if (method == Method::kHead) curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (t->resume_from > 0) curl_easy_setopt(curl, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(t->resume_from));
  struct curl_slist* headers = nullptr;
  // libcurl (>= 7.58) does not forward a custom Authorization header to another host on a
  // redirect, so the token never reaches the CDN that serves LFS blobs.
  if (!options.token.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + options.token).c_str());
  if (headers) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  reply.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  if (reply.code != CURLE_OK) reply.curl_error = errbuf[0] ? errbuf : curl_easy_strerror(reply.code);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return reply;
}

std::string Header(const Reply& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

// One clear line for an HTTP failure (DESIGN §8).
Status HttpError(const HubOptions& options, const Reply& r, const std::string& repo,
                 const std::string& what) {
  std::string hub_msg = Header(r, "x-error-message");
  std::string detail = hub_msg.empty() ? "" : " (" + hub_msg + ")";
  std::string code = " (HTTP " + std::to_string(r.status) + ")";
  if (r.status == 401 || r.status == 403) {
    std::string hint = options.token.empty()
        ? "set HF_TOKEN to a Hugging Face access token with read access"
        : "the token in HF_TOKEN was not accepted for it; check that it is valid and has read access";
    return Status::Unavailable("access to " + repo + " was refused" + code + detail +
                               ": the model may be gated or private; accept its terms on " +
                               options.endpoint + "/" + repo + " and " + hint);
  }
  if (r.status == 404) {
    return Status::NotFound(what + " not found on " + options.endpoint + code + detail);
  }
  return Status::IoError(what + ": the hub answered" + code + detail);
}

Status NetworkError(const Reply& r, const std::string& url) {
  return Status::IoError("cannot fetch " + url + ": " + r.curl_error +
                         " (check the network or the proxy settings, set HF_ENDPOINT for a mirror, "
                         "or install from a local copy with `qimg models download --from-cache` or "
                         "`qimg models import DIR`)");
}

bool Transient(const Reply& r) {
  if (r.code != CURLE_OK) {
    switch (r.code) {
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
      case CURLE_WRITE_ERROR:
      case CURLE_ABORTED_BY_CALLBACK:
        return false;
      default:
        return true;
    }
  }
  return r.status == 429 || r.status >= 500;
}

}  // namespace

HubOptions HubOptionsFromEnv() {
  HubOptions o;
  std::string endpoint = EnvString("HF_ENDPOINT");
  if (!endpoint.empty()) o.endpoint = endpoint;
  while (EndsWith(o.endpoint, "/")) o.endpoint.pop_back();
  o.token = EnvString("HF_TOKEN");
  if (o.token.empty()) o.token = EnvString("HUGGING_FACE_HUB_TOKEN");
  return o;
}

HubClient::HubClient(HubOptions options) : options_(std::move(options)) {
  while (EndsWith(options_.endpoint, "/")) options_.endpoint.pop_back();
}

std::string HubClient::ResolveUrl(const std::string& repo, const std::string& revision,
                                  const std::string& path) const {
  GlobalInitOnce();
  CURL* curl = curl_easy_init();
  std::string url = options_.endpoint + "/" + repo + "/resolve/";
  url += curl ? Escape(curl, revision) : revision;
  for (const std::string& seg : Split(path, '/')) url += "/" + (curl ? Escape(curl, seg) : seg);
  if (curl) curl_easy_cleanup(curl);
  return url;
}

Result<HubRepoInfo> HubClient::GetRepoInfo(const std::string& repo, const std::string& revision) const {
  GlobalInitOnce();
  CURL* curl = curl_easy_init();
  std::string rev = curl ? Escape(curl, revision) : revision;
  if (curl) curl_easy_cleanup(curl);
  std::string url = options_.endpoint + "/api/models/" + repo + "/revision/" + rev + "?blobs=true";
  Reply r = Perform(options_, Method::kGet, url, true, nullptr);
  if (r.code != CURLE_OK) return NetworkError(r, url);
  if (r.status != 200) return HttpError(options_, r, repo, repo + " at revision " + revision);
  HubRepoInfo info;
  info.repo = repo;
  try {
    auto j = nlohmann::json::parse(r.body);
    if (!j.is_object()) return Status::Corrupt("unexpected reply from " + url);
    if (j.contains("sha") && j["sha"].is_string()) info.commit = j["sha"].get<std::string>();
    if (info.commit.empty()) info.commit = CleanEtag(Header(r, "x-repo-commit"));
    if (!j.contains("siblings") || !j["siblings"].is_array())
      return Status::Corrupt("reply from " + url + " has no file list (siblings)");
    for (const auto& s : j["siblings"]) {
      if (!s.is_object() || !s.contains("rfilename") || !s["rfilename"].is_string()) continue;
      HubFile f;
      f.path = s["rfilename"].get<std::string>();
      if (s.contains("size") && s["size"].is_number_integer()) f.size = s["size"].get<int64_t>();
      if (s.contains("blobId") && s["blobId"].is_string()) f.git_sha1 = ToLowerAscii(s["blobId"].get<std::string>());
      if (s.contains("lfs") && s["lfs"].is_object()) {
        const auto& lfs = s["lfs"];
        if (lfs.contains("sha256") && lfs["sha256"].is_string())
          f.sha256 = ToLowerAscii(lfs["sha256"].get<std::string>());
        if (lfs.contains("size") && lfs["size"].is_number_integer()) f.size = lfs["size"].get<int64_t>();
        f.git_sha1.clear();  // an LFS file's blob id is that of its pointer, not its content
      }
      info.files.push_back(std::move(f));
    }
  } catch (const std::exception& e) {
    return Status::Corrupt("unexpected reply from " + url + ": " + e.what());
  }
  return info;
}

Status HubClient::FillFileMeta(const std::string& repo, const std::string& revision, HubFile* file) const {
  std::string url = ResolveUrl(repo, revision, file->path);
  Reply r = Perform(options_, Method::kHead, url, false, nullptr);
  if (r.code != CURLE_OK) return NetworkError(r, url);
  if (r.status >= 400) return HttpError(options_, r, repo, file->path + " in " + repo);
  std::string linked = CleanEtag(Header(r, "x-linked-etag"));
  if (!linked.empty()) {
    if (file->sha256.empty() && IsHex(linked, 64)) file->sha256 = linked;
    if (!file->size) file->size = ParseSize(Header(r, "x-linked-size"));
  } else {
    std::string etag = CleanEtag(Header(r, "etag"));
    if (file->git_sha1.empty() && file->sha256.empty() && IsHex(etag, 40)) file->git_sha1 = etag;
    if (!file->size && r.status == 200) file->size = ParseSize(Header(r, "content-length"));
  }
  return Status::Ok();
}

Result<std::string> HubClient::Download(const std::string& repo, const std::string& revision,
                                        const HubFile& file, const std::string& dest,
                                        const HubProgress& progress) const {
  const std::string part = dest + ".part";
  const std::string url = ResolveUrl(repo, revision, file.path);
  QIMG_RETURN_IF_ERROR(MakeDirs(DirName(dest)));
  Status last = Status::IoError("download of " + file.path + " did not start");
  bool complete = false;
  for (int attempt = 1; attempt <= std::max(1, options_.max_attempts) && !complete; ++attempt) {
    if (attempt > 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.retry_delay_ms * (attempt - 1)));
    }
    FileStat st = StatPath(part);
    int64_t have = st.exists ? st.size : 0;
    if (file.size && have > *file.size) {
      ::unlink(part.c_str());
      have = 0;
    }
    if (file.size && have == *file.size && have > 0) {
      complete = true;  // a previous run got every byte; only verification is left
      break;
    }
    int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return Status::IoError("cannot write " + part);
    Transfer t;
    t.fd = fd;
    t.resume_from = have;
    t.progress = &progress;
    t.expected_total = file.size.value_or(0);
    Reply r = Perform(options_, Method::kGet, url, true, &t);
    ::close(fd);
    if (!t.write_error.ok()) return t.write_error.WithContext(part);
    if (r.code == CURLE_OK && (r.status == 200 || r.status == 206)) {
      complete = true;
    } else if (r.code == CURLE_OK && r.status == 416) {
      ::unlink(part.c_str());  // our part is longer than the file: start over
      last = Status::IoError("range not satisfiable for " + url);
    } else if (r.code == CURLE_OK && (r.status == 401 || r.status == 403 || r.status == 404)) {
      return HttpError(options_, r, repo, file.path + " in " + repo);
    } else if (Transient(r)) {
      last = r.code != CURLE_OK ? NetworkError(r, url)
                                : HttpError(options_, r, repo, file.path + " in " + repo);
    } else {
      return r.code != CURLE_OK ? NetworkError(r, url)
                                : HttpError(options_, r, repo, file.path + " in " + repo);
    }
  }
  if (!complete) return last;
  FileStat st = StatPath(part);
  if (file.size && st.size != *file.size) {
    ::unlink(part.c_str());
    return Status::Corrupt(file.path + " from " + repo + ": got " + std::to_string(st.size) +
                           " bytes, the hub lists " + std::to_string(*file.size));
  }
  QIMG_ASSIGN_OR_RETURN(std::string sha256, Sha256File(part));
  if (!file.sha256.empty() && sha256 != file.sha256) {
    ::unlink(part.c_str());
    return Status::Corrupt(file.path + " from " + repo + " failed its checksum (SHA-256 " + sha256 +
                           ", expected " + file.sha256 + "); the file was discarded");
  }
  if (file.sha256.empty() && !file.git_sha1.empty()) {
    QIMG_ASSIGN_OR_RETURN(std::string git, GitBlobSha1File(part));
    if (git != file.git_sha1) {
      ::unlink(part.c_str());
      return Status::Corrupt(file.path + " from " + repo + " failed its checksum (git blob " + git +
                             ", expected " + file.git_sha1 + "); the file was discarded");
    }
  }
  if (::rename(part.c_str(), dest.c_str()) != 0) return Status::IoError("cannot rename " + part);
  return sha256;
}

Result<std::string> GitBlobSha1File(const std::string& path) {
  // Only small (non-LFS) files are hashed this way; the hub keeps those under 10 MB.
  QIMG_ASSIGN_OR_RETURN(std::string data, ReadFileToString(path, int64_t{64} << 20));
  std::string blob = "blob " + std::to_string(data.size());
  blob.push_back('\0');
  blob += data;
  return Sha1Hex(blob);
}

}  // namespace qimg
