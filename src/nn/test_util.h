// Helpers shared by the nn tests: golden-data paths and JSON loading.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace qimg::nn::testing {

inline std::string ClipTinyDir() { return std::string(QIMG_TESTDATA_DIR) + "/clip-tiny"; }
inline std::string ClipTinyModelDir() { return ClipTinyDir() + "/model"; }

inline nlohmann::json ReadGolden(const std::string& name) {
  std::ifstream in(ClipTinyDir() + "/golden/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

inline std::vector<float> Floats(const nlohmann::json& j) { return j.get<std::vector<float>>(); }

inline float MaxAbsDiff(const float* a, const float* b, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

inline double Cosine(const float* a, const float* b, size_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < n; ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

}  // namespace qimg::nn::testing
