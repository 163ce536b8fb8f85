// Branch-free float functions the compiler can vectorise (glibc's expf/erff are not vectorised
// without -ffast-math). Accuracy: a few ulp for Exp, |error| < 2e-7 for Erf; far below the 1e-4
// tolerance the golden tests hold the engine to.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

#include "nn/clip_config.h"

namespace qimg::nn {

inline float Exp(float x) {
  // Clamp with selects, not std::min/max (GCC will not vectorise those without -ffast-math).
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  // Round x / ln 2 to the nearest integer with the 1.5 * 2^23 trick: the integer lands in the low
  // mantissa bits. (std::floor + int conversion folds to a scalar-only builtin.)
  constexpr float kMagic = 12582912.0f;
  const float m = x * 1.44269504088896341f + kMagic;
  const int32_t ni = std::bit_cast<int32_t>(m) - std::bit_cast<int32_t>(kMagic);
  const float n = m - kMagic;
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;  // Cody-Waite ln 2 split
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * r * r + r + 1.0f;
  return y * std::bit_cast<float>((ni + 127) << 23);
}

// erf(x) = 1 - erfc(|x|) with Numerical Recipes' erfc = t * exp(-z^2 + P(t)) (fractional error
// < 1.2e-7), so the absolute error of erf stays below ~2e-7.
inline float Erf(float x) {
  float z = std::fabs(x);
  float t = 1.0f / (1.0f + 0.5f * z);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  float erfc = t * Exp(-z * z + p);
  float r = 1.0f - erfc;
  return x < 0 ? -r : r;
}

inline float Activate(Activation act, float x) {
  switch (act) {
    case Activation::kQuickGelu:
      return x / (1.0f + Exp(-1.702f * x));
    case Activation::kGelu:
      return 0.5f * x * (1.0f + Erf(x * 0.70710678118654752f));
    case Activation::kGeluTanh: {
      float u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
      float th = 1.0f - 2.0f / (1.0f + Exp(2.0f * u));  // tanh(u)
      return 0.5f * x * (1.0f + th);
    }
  }
  return x;
}

}  // namespace qimg::nn
