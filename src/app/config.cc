#include "app/config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <sstream>

#include "base/fs.h"
#include "base/text.h"

namespace qimg {
namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::string(v) : fallback;
}

std::string HomeDir() { return EnvOr("HOME", "/tmp"); }

// Typed readers: each returns InvalidArgument naming the key when the node has another type.
Status ReadString(const YAML::Node& n, const std::string& key, std::string* out) {
  if (!n.IsScalar()) return Status::InvalidArgument(key + ": expected a string");
  *out = n.Scalar();
  return Status::Ok();
}
Status ReadBool(const YAML::Node& n, const std::string& key, bool* out) {
  std::string v = n.IsScalar() ? ToLowerAscii(n.Scalar()) : "";
  if (v == "true" || v == "yes" || v == "on") *out = true;
  else if (v == "false" || v == "no" || v == "off") *out = false;
  else return Status::InvalidArgument(key + ": expected true or false");
  return Status::Ok();
}
Status ReadInt(const YAML::Node& n, const std::string& key, int* out, int min, int max) {
  if (!n.IsScalar()) return Status::InvalidArgument(key + ": expected an integer");
  const std::string& s = n.Scalar();
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0') return Status::InvalidArgument(key + ": expected an integer, got '" + s + "'");
  if (v < min || v > max)
    return Status::InvalidArgument(key + ": must be between " + std::to_string(min) + " and " +
                                   std::to_string(max));
  *out = static_cast<int>(v);
  return Status::Ok();
}
Status ReadDouble(const YAML::Node& n, const std::string& key, double* out) {
  if (!n.IsScalar()) return Status::InvalidArgument(key + ": expected a number");
  const std::string& s = n.Scalar();
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0') return Status::InvalidArgument(key + ": expected a number, got '" + s + "'");
  *out = v;
  return Status::Ok();
}
// A string that must be one of `choices` (compared lowercased; stored lowercased).
Status ReadChoice(const YAML::Node& n, const std::string& key,
                  std::initializer_list<const char*> choices, std::string* out) {
  std::string v;
  QIMG_RETURN_IF_ERROR(ReadString(n, key, &v));
  v = ToLowerAscii(Trim(v));
  std::string names;
  for (const char* c : choices) {
    if (v == c) {
      *out = v;
      return Status::Ok();
    }
    names += names.empty() ? c : std::string(", ") + c;
  }
  return Status::InvalidArgument(key + ": expected one of " + names + ", got '" + v + "'");
}
Status ReadPath(const YAML::Node& n, const std::string& key, std::string* out) {
  QIMG_RETURN_IF_ERROR(ReadString(n, key, out));
  if (out->empty()) return Status::InvalidArgument(key + ": must not be empty");
  *out = AbsolutePath(ExpandUser(*out));
  return Status::Ok();
}

Status ParseSection(const YAML::Node& section, const std::string& name, Config* c) {
  if (section.IsNull()) return Status::Ok();
  if (!section.IsMap()) return Status::InvalidArgument(name + ": expected a mapping");
  for (auto it = section.begin(); it != section.end(); ++it) {
    std::string k = it->first.Scalar();
    std::string key = name + "." + k;
    const YAML::Node v = it->second;  // a copy: the iterator yields a temporary proxy
    Status s = Status::Ok();
    if (name == "embed") {
      if (k == "model") s = ReadString(v, key, &c->embed.model);
      else if (k == "text_model") s = ReadString(v, key, &c->embed.text_model);
      else if (k == "device") {
        s = ReadString(v, key, &c->embed.device);
        std::string d = ToLowerAscii(Trim(c->embed.device));
        if (s.ok() && d != "auto" && d != "cpu" && d != "cuda" && d != "mps")
          s = Status::InvalidArgument(key + ": unsupported device '" + c->embed.device +
                                      "' (auto, cpu, cuda or mps)");
        c->embed.device = d;
      } else if (k == "batch_size") s = ReadInt(v, key, &c->embed.batch_size, 1, 4096);
      else s = Status::InvalidArgument(key + ": unknown key");
    } else if (name == "search") {
      auto& q = c->search;
      if (k == "rrf_k") s = ReadInt(v, key, &q.rrf_k, 1, 100000);
      else if (k == "query_expansions") s = ReadInt(v, key, &q.query_expansions, 0, 16);
      else if (k == "top_k_retrieval") s = ReadInt(v, key, &q.top_k_retrieval, 1, 100000);
      else if (k == "rerank_candidates") s = ReadInt(v, key, &q.rerank_candidates, 1, 100000);
      else if (k == "enable_reranker") s = ReadBool(v, key, &q.enable_reranker);
      else if (k == "reranker_model") s = ReadString(v, key, &q.reranker_model);
      else if (k == "w_namefolder") s = ReadDouble(v, key, &q.w_namefolder);
      else if (k == "w_context") s = ReadDouble(v, key, &q.w_context);
      else if (k == "w_facts") s = ReadDouble(v, key, &q.w_facts);
      else if (k == "expansion") s = ReadChoice(v, key, {"wordnet", "original", "none"}, &q.expansion);
      else if (k == "rank_bonus") s = ReadChoice(v, key, {"weighted", "original", "none"}, &q.rank_bonus);
      else s = Status::InvalidArgument(key + ": unknown key");
    } else if (name == "ocr") {
      if (k == "enabled") s = ReadBool(v, key, &c->ocr.enabled);
      else if (k == "languages") {
        s = ReadString(v, key, &c->ocr.languages);
        // Tesseract language codes ("eng", "chi_sim", "eng+deu"): anything else would be
        // handed to Tesseract as a file name.
        if (s.ok() && (Trim(c->ocr.languages).empty() ||
                       c->ocr.languages.find_first_not_of(
                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+, ") !=
                           std::string::npos))
          s = Status::InvalidArgument(key + ": expected Tesseract language codes such as 'eng' or 'eng+deu'");
      }
      else s = Status::InvalidArgument(key + ": unknown key");
    } else if (name == "objects") {
      if (k == "model") s = ReadString(v, key, &c->objects.model);
      else s = Status::InvalidArgument(key + ": unknown key");
    } else if (name == "facts") {
      if (k == "tag_threshold") {
        s = ReadDouble(v, key, &c->facts.tag_threshold);
        if (s.ok() && !(c->facts.tag_threshold >= 0 && c->facts.tag_threshold <= 1))
          s = Status::InvalidArgument(key + ": must be between 0 and 1");
      } else if (k == "tag_top_k") s = ReadInt(v, key, &c->facts.tag_top_k, 0, 1000);
      else s = Status::InvalidArgument(key + ": unknown key");
    } else if (name == "ui") {
      if (k == "show_logo") s = ReadBool(v, key, &c->show_logo);
      else s = Status::InvalidArgument(key + ": unknown key");
    }
    QIMG_RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

Status ParseModelsSection(const YAML::Node& section, Config* c) {
  if (section.IsNull()) return Status::Ok();
  if (!section.IsMap()) return Status::InvalidArgument("models: expected a mapping");
  for (auto it = section.begin(); it != section.end(); ++it) {
    std::string key = "models." + it->first.Scalar();
    if (it->first.Scalar() == "auto_download") QIMG_RETURN_IF_ERROR(ReadBool(it->second, key, &c->models.auto_download));
    else return Status::InvalidArgument(key + ": unknown key");
  }
  return Status::Ok();
}

}  // namespace

std::string DefaultConfigDir() {
  return JoinPath(EnvOr("XDG_CONFIG_HOME", JoinPath(HomeDir(), ".config")), "qimg");
}
std::string DefaultCacheDir() {
  return JoinPath(EnvOr("XDG_CACHE_HOME", JoinPath(HomeDir(), ".cache")), "qimg");
}
std::string DefaultConfigPath() { return JoinPath(DefaultConfigDir(), "config.yaml"); }
std::string DefaultModelsDir() {
  const char* v = std::getenv("QIMG_MODELS_DIR");
  if (v && *Trim(v).c_str()) return AbsolutePath(ExpandUser(Trim(v)));
  return JoinPath(DefaultCacheDir(), "models");
}

Config DefaultConfig() {
  Config c;
  std::string cache = DefaultCacheDir();
  c.config_path = DefaultConfigPath();
  c.db_path = JoinPath(cache, "qimg.sqlite3");
  c.vector_dir = JoinPath(cache, "vectors");
  c.pid_path = JoinPath(cache, "mcp_http.pid");
  c.models_dir = DefaultModelsDir();
  return c;
}

Result<Config> ParseConfig(const std::string& text, const std::string& path) {
  Config c = DefaultConfig();
  c.config_path = path;
  // A file written before the default changed, or by the original, means its model.
  c.embed.model = kLegacyImageModel;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const std::exception& e) {
    return Status::Corrupt("config " + path + " is not valid YAML: " + e.what());
  }
  if (!root.IsMap()) return c;  // SPEC §2.2: a non-mapping document is treated as empty
  try {
    for (auto it = root.begin(); it != root.end(); ++it) {
      std::string k = it->first.Scalar();
      const YAML::Node v = it->second;  // a copy: the iterator yields a temporary proxy
      Status s = Status::Ok();
      if (k == "db_path") s = ReadPath(v, k, &c.db_path);
      else if (k == "vector_dir") s = ReadPath(v, k, &c.vector_dir);
      else if (k == "pid_path") s = ReadPath(v, k, &c.pid_path);
      else if (k == "models_dir") s = ReadPath(v, k, &c.models_dir);
      else if (k == "models") s = ParseModelsSection(v, &c);
      else if (k == "compute_sha256") s = ReadBool(v, k, &c.compute_sha256);
      else if (k == "embed" || k == "search" || k == "ocr" || k == "ui" || k == "objects" ||
               k == "facts") s = ParseSection(v, k, &c);
      // Unknown top-level keys are ignored, as in the original (room for other tools' keys).
      if (!s.ok()) return s.WithContext("config " + path);
    }
  } catch (const std::exception& e) {
    return Status::Corrupt("config " + path + ": " + e.what());
  }
  return c;
}

std::string DefaultConfigYaml(const Config& c) {
  std::ostringstream o;
  o << "db_path: " << c.db_path << "\n"
    << "vector_dir: " << c.vector_dir << "\n"
    << "pid_path: " << c.pid_path << "\n"
    << "compute_sha256: " << (c.compute_sha256 ? "true" : "false") << "\n"
    << "embed:\n"
    << "  model: " << c.embed.model << "\n"
    << "  text_model: " << c.embed.text_model << "\n"
    << "  device: " << c.embed.device << "\n"
    << "  batch_size: " << c.embed.batch_size << "\n"
    << "search:\n"
    << "  rrf_k: " << c.search.rrf_k << "\n"
    << "  query_expansions: " << c.search.query_expansions << "\n"
    << "  top_k_retrieval: " << c.search.top_k_retrieval << "\n"
    << "  rerank_candidates: " << c.search.rerank_candidates << "\n"
    << "  enable_reranker: " << (c.search.enable_reranker ? "true" : "false") << "\n"
    << "  w_namefolder: 1.0\n  w_context: 1.2\n  w_facts: 1.0\n"
    << "ocr:\n  enabled: false\n  languages: eng\n"
    << "ui:\n  show_logo: false\n"
    << "models:\n  auto_download: " << (c.models.auto_download ? "true" : "false") << "\n";
  return o.str();
}

Result<Config> LoadConfig(const std::string& path_in, bool create_if_missing) {
  std::string path = AbsolutePath(ExpandUser(path_in));
  FileStat st = StatPath(path);
  if (!st.exists) {
    Config c = DefaultConfig();
    c.config_path = path;
    if (create_if_missing) {
      QIMG_RETURN_IF_ERROR(MakeDirs(DirName(path)));
      QIMG_RETURN_IF_ERROR(WriteFileAtomic(path, DefaultConfigYaml(c)));
    }
    return c;
  }
  if (st.is_dir) return Status::InvalidArgument("config " + path + " is a directory");
  QIMG_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, 1 << 20));
  return ParseConfig(text, path);
}

}  // namespace qimg
