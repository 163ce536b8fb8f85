// Test helpers: the shared image corpus and its manifest (../shared/testdata/corpus).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace qimg::testing {

std::string CorpusDir();
std::string CorpusPath(const std::string& relative);
// manifest.json, parsed once.
const nlohmann::json& Manifest();
// Entries whose kind is one of `kinds`.
std::vector<nlohmann::json> EntriesOfKind(const std::vector<std::string>& kinds);
// expected.decodable == true (the JSON boolean).
bool ExpectDecodable(const nlohmann::json& entry);
// A fresh empty directory under the system temp dir.
std::string MakeTempDir(const std::string& prefix);

}  // namespace qimg::testing
