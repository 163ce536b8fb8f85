// Helpers shared by the nn tests: golden-data paths and JSON loading.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <memory>
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

// The input_ids of each golden case, as the towers take them.
inline std::vector<std::vector<int32_t>> GoldenIds(const nlohmann::json& cases) {
  std::vector<std::vector<int32_t>> ids;
  for (const auto& c : cases) ids.push_back(c["input_ids"].get<std::vector<int32_t>>());
  return ids;
}

// The golden images' pixel_values (CHW), one after another.
inline std::vector<float> GoldenPixels(const nlohmann::json& images) {
  std::vector<float> px;
  for (const auto& im : images) {
    auto v = Floats(im["pixel_values_chw"]);
    px.insert(px.end(), v.begin(), v.end());
  }
  return px;
}

// A tiny golden image-text model (ClipModel, SigLIPModel) loaded with `options`; null, with the
// failure recorded, when it does not load.
template <typename Model, typename Options>
std::unique_ptr<Model> LoadTinyModel(const std::string& dir, const Options& options) {
  auto m = Model::Load(dir, options);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? std::move(m).value() : nullptr;
}

}  // namespace qimg::nn::testing
