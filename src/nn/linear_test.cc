// Numerical tests of the building blocks against naive double-precision references.
#include "nn/linear.h"

#include <gtest/gtest.h>

#include <random>

#include "nn/ops.h"
#include "nn/vector_math.h"

namespace qimg::nn {
namespace {

std::vector<float> Random(size_t n, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

TEST(VectorMathTest, ExpAndErfAreAccurate) {
  for (float x = -80.0f; x < 80.0f; x += 0.173f) {
    EXPECT_NEAR(Exp(x) / std::exp(x), 1.0f, 2e-6f) << x;
  }
  for (float x = -6.0f; x < 6.0f; x += 0.0371f) EXPECT_NEAR(Erf(x), std::erf(x), 3e-7f) << x;
  EXPECT_EQ(Exp(-1000.0f) < 1e-37f, true);
}

TEST(LinearTest, MatchesNaiveWithEveryEpilogue) {
  std::mt19937 rng(7);
  const int rows = 37, in = 53, out = 29;
  Linear l;
  l.in = in;
  l.out = out;
  l.weight = Random(static_cast<size_t>(in) * out, rng);
  l.bias = Random(out, rng);
  auto x = Random(static_cast<size_t>(rows) * in, rng);
  std::vector<double> ref(static_cast<size_t>(rows) * out);
  for (int r = 0; r < rows; ++r) {
    for (int o = 0; o < out; ++o) {
      double s = l.bias[o];
      for (int i = 0; i < in; ++i) s += static_cast<double>(x[r * in + i]) * l.weight[o * in + i];
      ref[r * out + o] = s;
    }
  }
  std::vector<float> y(ref.size());
  ASSERT_TRUE(LinearForward(l, x.data(), rows, y.data()).ok());
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], ref[i], 1e-4);
  std::vector<float> acc(ref.size(), 1.0f);
  ASSERT_TRUE(LinearForward(l, x.data(), rows, acc.data(), Epilogue::kAccumulate).ok());
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(acc[i], ref[i] + 1.0, 1e-4);
  for (Activation act : {Activation::kQuickGelu, Activation::kGelu, Activation::kGeluTanh}) {
    ASSERT_TRUE(LinearForward(l, x.data(), rows, y.data(), Epilogue::kActivation, act).ok());
    for (size_t i = 0; i < y.size(); ++i) {
      double v = ref[i];
      double want = act == Activation::kQuickGelu ? v / (1 + std::exp(-1.702 * v))
                    : act == Activation::kGelu
                        ? 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)))
                        : 0.5 * v * (1 + std::tanh(0.7978845608 * (v + 0.044715 * v * v * v)));
      EXPECT_NEAR(y[i], want, 1e-4);
    }
  }
  // int8: close to fp32 relative to the output scale.
  Linear q = l;
  q.Quantize();
  ASSERT_TRUE(q.quantized());
  EXPECT_TRUE(q.weight.empty());
  ASSERT_TRUE(LinearForward(q, x.data(), rows, y.data()).ok());
  double err = 0, mag = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    err += (y[i] - ref[i]) * (y[i] - ref[i]);
    mag += ref[i] * ref[i];
  }
  EXPECT_LT(std::sqrt(err / mag), 0.02);
}

TEST(OpsTest, LayerNormMatchesNaive) {
  std::mt19937 rng(3);
  const int rows = 5, dim = 77;
  auto x = Random(static_cast<size_t>(rows) * dim, rng, 3.0f);
  for (float& v : x) v += 10.0f;  // an offset mean must not hurt precision
  auto g = Random(dim, rng);
  auto b = Random(dim, rng);
  std::vector<float> y(x.size());
  LayerNorm(x.data(), rows, dim, g.data(), b.data(), 1e-5f, y.data());
  for (int r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (int i = 0; i < dim; ++i) mean += x[r * dim + i];
    mean /= dim;
    for (int i = 0; i < dim; ++i) var += (x[r * dim + i] - mean) * (x[r * dim + i] - mean);
    var /= dim;
    for (int i = 0; i < dim; ++i) {
      double want = (x[r * dim + i] - mean) / std::sqrt(var + 1e-5) * g[i] + b[i];
      EXPECT_NEAR(y[r * dim + i], want, 1e-4);
    }
  }
}

// head_dim 8: the generic path; 16 and 64: the register-tiled path (16- and 32-wide value tiles);
// seq 11 and 50 cover partial and several key tiles.
class AttentionTest : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(AttentionTest, MatchesNaive) {
  std::mt19937 rng(5);
  const int batch = 3, heads = 4;
  const int hd = std::get<0>(GetParam());
  const int seq = std::get<1>(GetParam());
  const int hidden = heads * hd;
  auto qkv = Random(static_cast<size_t>(batch) * seq * 3 * hidden, rng);
  for (bool causal : {false, true}) {
    std::vector<float> out(static_cast<size_t>(batch) * seq * hidden);
    ASSERT_TRUE(Attention(qkv.data(), batch, seq, heads, hd, causal, out.data()).ok());
    for (int b = 0; b < batch; ++b) {
      for (int h = 0; h < heads; ++h) {
        for (int i = 0; i < seq; ++i) {
          auto at = [&](int s, int block, int d) {
            return static_cast<double>(
                qkv[(b * seq + s) * 3 * hidden + block * hidden + h * hd + d]);
          };
          const int n = causal ? i + 1 : seq;
          std::vector<double> p(n);
          double mx = -1e300, sum = 0;
          for (int j = 0; j < n; ++j) {
            double s = 0;
            for (int d = 0; d < hd; ++d) s += at(i, 0, d) * at(j, 1, d);
            p[j] = s / std::sqrt(static_cast<double>(hd));
            mx = std::max(mx, p[j]);
          }
          for (int j = 0; j < n; ++j) sum += (p[j] = std::exp(p[j] - mx));
          for (int d = 0; d < hd; ++d) {
            double o = 0;
            for (int j = 0; j < n; ++j) o += p[j] / sum * at(j, 2, d);
            EXPECT_NEAR(out[(b * seq + i) * hidden + h * hd + d], o, 1e-5);
          }
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, AttentionTest,
                         ::testing::Combine(::testing::Values(8, 16, 64),
                                            ::testing::Values(11, 50)));

}  // namespace
}  // namespace qimg::nn
