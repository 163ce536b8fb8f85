// Paths and JSON loading for the SigLIP golden tests (../shared/testdata/siglip-tiny, README
// there).
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace qimg::nn::testing {

inline std::string SiglipTinyDir() { return std::string(QIMG_TESTDATA_DIR) + "/siglip-tiny"; }
inline std::string SiglipTinyModelDir() { return SiglipTinyDir() + "/model"; }

inline nlohmann::json ReadSiglipGolden(const std::string& name) {
  std::ifstream in(SiglipTinyDir() + "/golden/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

}  // namespace qimg::nn::testing
