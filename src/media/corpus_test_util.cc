#include "media/corpus_test_util.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>

namespace qimg::testing {

std::string CorpusDir() { return std::string(QIMG_TESTDATA_DIR) + "/corpus"; }

std::string CorpusPath(const std::string& relative) { return CorpusDir() + "/" + relative; }

const nlohmann::json& Manifest() {
  static const nlohmann::json manifest = [] {
    std::ifstream in(CorpusPath("manifest.json"));
    std::stringstream ss;
    ss << in.rdbuf();
    return nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  }();
  return manifest;
}

std::vector<nlohmann::json> EntriesOfKind(const std::vector<std::string>& kinds) {
  std::vector<nlohmann::json> out;
  if (!Manifest().is_object()) return out;
  for (const auto& f : Manifest()["files"]) {
    const std::string kind = f.value("kind", "");
    for (const auto& k : kinds) {
      if (kind == k) out.push_back(f);
    }
  }
  return out;
}

bool ExpectDecodable(const nlohmann::json& entry) {
  const auto& e = entry["expected"];
  return e.contains("decodable") && e["decodable"].is_boolean() && e["decodable"].get<bool>();
}

std::string MakeTempDir(const std::string& prefix) {
  const char* tmp = getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "XXXXXX";
  char* made = mkdtemp(templ.data());
  return made ? std::string(made) : std::string();
}

}  // namespace qimg::testing
