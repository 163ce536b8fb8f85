#include "nn/conv.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <tuple>

#include "nn/parallel.h"

namespace qimg::nn {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using DT = memory::data_type;

dnnl::engine& CpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

}  // namespace

// Primitives per input shape and epilogue, and the weights reordered to each layout a primitive
// asked for. Images of many sizes pass through the detector, so the map is bounded.
struct Conv2d::Cache {
  struct Entry {
    dnnl::convolution_forward primitive;
    std::shared_ptr<memory> weights;
  };
  std::mutex mu;
  std::map<std::tuple<int, int, int, bool, bool, int>, std::shared_ptr<Entry>> entries;
  std::vector<std::shared_ptr<memory>> weight_layouts;
};

Conv2d::Conv2d() : cache_(std::make_unique<Cache>()) {}
Conv2d::~Conv2d() = default;
Conv2d::Conv2d(Conv2d&&) noexcept = default;
Conv2d& Conv2d::operator=(Conv2d&&) noexcept = default;

Result<Conv2d> Conv2d::Create(const Conv2dShape& shape, std::vector<float> weight,
                              std::vector<float> bias) {
  if (shape.in_channels <= 0 || shape.out_channels <= 0 || shape.kernel <= 0 || shape.stride <= 0 ||
      shape.padding < 0) {
    return Status::InvalidArgument("convolution: invalid shape");
  }
  const size_t n =
      static_cast<size_t>(shape.out_channels) * shape.in_channels * shape.kernel * shape.kernel;
  if (weight.size() != n) return Status::InvalidArgument("convolution: weight size mismatch");
  if (!bias.empty() && bias.size() != static_cast<size_t>(shape.out_channels)) {
    return Status::InvalidArgument("convolution: bias size mismatch");
  }
  Conv2d c;
  c.shape_ = shape;
  c.weight_ = std::move(weight);
  c.bias_ = bias.empty() ? std::vector<float>(static_cast<size_t>(shape.out_channels), 0.0f)
                         : std::move(bias);
  return c;
}

Result<Conv2d> Conv2d::Load(const SafetensorsFile& f, const std::string& prefix,
                            const Conv2dShape& shape, bool with_bias) {
  QIMG_ASSIGN_OR_RETURN(std::vector<float> w,
                        f.ReadFloat(prefix + ".weight", {shape.out_channels, shape.in_channels,
                                                         shape.kernel, shape.kernel}));
  std::vector<float> b;
  if (with_bias) {
    QIMG_ASSIGN_OR_RETURN(b, f.ReadFloat(prefix + ".bias", {shape.out_channels}));
  }
  return Create(shape, std::move(w), std::move(b));
}

Status Conv2d::FoldBatchNorm(const std::vector<float>& gamma, const std::vector<float>& beta,
                             const std::vector<float>& mean, const std::vector<float>& var,
                             float eps) {
  const size_t oc = static_cast<size_t>(shape_.out_channels);
  if (gamma.size() != oc || beta.size() != oc || mean.size() != oc || var.size() != oc) {
    return Status::InvalidArgument("batch norm: size mismatch");
  }
  const size_t per_out = weight_.size() / oc;
  for (size_t o = 0; o < oc; ++o) {
    // The same float32 steps as transformers' frozen batch norm, so the folded layer differs
    // from conv-then-normalise only by the order of the final multiply-add.
    const float scale = gamma[o] * (1.0f / std::sqrt(var[o] + eps));
    float* w = weight_.data() + o * per_out;
    for (size_t i = 0; i < per_out; ++i) w[i] *= scale;
    bias_[o] = bias_[o] * scale + (beta[o] - mean[o] * scale);
  }
  std::lock_guard<std::mutex> lock(cache_->mu);
  cache_->entries.clear();
  cache_->weight_layouts.clear();
  return Status::Ok();
}

Status Conv2d::LoadBatchNorm(const SafetensorsFile& f, const std::string& prefix, float eps) {
  const std::vector<int64_t> s = {shape_.out_channels};
  QIMG_ASSIGN_OR_RETURN(auto gamma, f.ReadFloat(prefix + ".weight", s));
  QIMG_ASSIGN_OR_RETURN(auto beta, f.ReadFloat(prefix + ".bias", s));
  QIMG_ASSIGN_OR_RETURN(auto mean, f.ReadFloat(prefix + ".running_mean", s));
  QIMG_ASSIGN_OR_RETURN(auto var, f.ReadFloat(prefix + ".running_var", s));
  return FoldBatchNorm(gamma, beta, mean, var, eps);
}

Status Conv2d::Forward(const float* x, int batch, int height, int width, float* y,
                       ConvEpilogue epilogue) const {
  const int oh = shape_.OutExtent(height);
  const int ow = shape_.OutExtent(width);
  if (batch <= 0 || height <= 0 || width <= 0 || oh <= 0 || ow <= 0) {
    return Status::InvalidArgument("convolution: input " + std::to_string(height) + "x" +
                                   std::to_string(width) + " is smaller than the " +
                                   std::to_string(shape_.kernel) + "x" +
                                   std::to_string(shape_.kernel) + " kernel");
  }
  const memory::dim n = batch, ic = shape_.in_channels, oc = shape_.out_channels;
  const memory::dim k = shape_.kernel, s = shape_.stride, p = shape_.padding;
  // Small convolutions run on the calling thread, for the reason given at kMinParallelElements
  // (a fork/join per tiny layer cost ~10 ms each on a loaded machine). oneDNN fixes a primitive's
  // thread count when it is created, so the count is part of the cache key.
  const int64_t flops = 2 * n * oc * oh * ow * ic * k * k;
  const int nthreads = flops < (int64_t{1} << 23) ? 1 : NumThreads();
  ScopedThreads threads(nthreads);
  try {
    dnnl::engine& engine = CpuEngine();
    std::shared_ptr<Cache::Entry> entry;
    {
      std::lock_guard<std::mutex> lock(cache_->mu);
      const auto key =
          std::make_tuple(batch, height, width, epilogue.relu, epilogue.residual, nthreads);
      auto it = cache_->entries.find(key);
      if (it != cache_->entries.end()) {
        entry = it->second;
      } else {
        memory::desc src_md({n, ic, height, width}, DT::f32, Tag::nhwc);
        memory::desc wei_md({oc, ic, k, k}, DT::f32, Tag::any);
        memory::desc bias_md({oc}, DT::f32, Tag::x);
        memory::desc dst_md({n, oc, oh, ow}, DT::f32, Tag::nhwc);
        dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference,
                                             dnnl::algorithm::convolution_direct, src_md, wei_md,
                                             bias_md, dst_md, {s, s}, {p, p}, {p, p});
        dnnl::post_ops ops;
        if (epilogue.residual) ops.append_sum(1.0f);
        if (epilogue.relu) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
        dnnl::primitive_attr attr;
        attr.set_post_ops(ops);
        dnnl::convolution_forward::primitive_desc pd(desc, attr, engine);
        auto e = std::make_shared<Cache::Entry>();
        e->primitive = dnnl::convolution_forward(pd);
        for (const auto& w : cache_->weight_layouts) {
          if (w->get_desc() == pd.weights_desc()) e->weights = w;
        }
        if (!e->weights) {
          memory plain({{oc, ic, k, k}, DT::f32, Tag::oihw}, engine,
                       const_cast<float*>(weight_.data()));
          auto w = std::make_shared<memory>(pd.weights_desc(), engine);
          dnnl::stream stream(engine);
          dnnl::reorder(plain, *w).execute(stream, plain, *w);
          stream.wait();
          cache_->weight_layouts.push_back(w);
          e->weights = w;
        }
        if (cache_->entries.size() >= 32) cache_->entries.clear();
        cache_->entries.emplace(key, e);
        entry = e;
      }
    }
    memory src({{n, ic, height, width}, DT::f32, Tag::nhwc}, engine, const_cast<float*>(x));
    memory bias({{oc}, DT::f32, Tag::x}, engine, const_cast<float*>(bias_.data()));
    memory dst({{n, oc, oh, ow}, DT::f32, Tag::nhwc}, engine, y);
    dnnl::stream stream(engine);
    entry->primitive.execute(stream, {{DNNL_ARG_SRC, src},
                                      {DNNL_ARG_WEIGHTS, *entry->weights},
                                      {DNNL_ARG_BIAS, bias},
                                      {DNNL_ARG_DST, dst}});
    stream.wait();
  } catch (const dnnl::error& e) {
    return Status::Internal(std::string("oneDNN convolution failed: ") + e.what());
  } catch (const std::exception& e) {
    return Status::Internal(std::string("convolution failed: ") + e.what());
  }
  return Status::Ok();
}

void MaxPool2d(const float* x, int batch, int height, int width, int channels, int kernel,
               int stride, int padding, float* y) {
  const int oh = (height + 2 * padding - kernel) / stride + 1;
  const int ow = (width + 2 * padding - kernel) / stride + 1;
  const int64_t rows = static_cast<int64_t>(batch) * oh;
#pragma omp parallel for schedule(static) if (WorthParallel(rows * ow * channels))
  for (int64_t r = 0; r < rows; ++r) {
    const int b = static_cast<int>(r / oh);
    const int i = static_cast<int>(r % oh);
    const int y0 = std::max(0, i * stride - padding);
    const int y1 = std::min(height, i * stride - padding + kernel);
    for (int j = 0; j < ow; ++j) {
      const int x0 = std::max(0, j * stride - padding);
      const int x1 = std::min(width, j * stride - padding + kernel);
      float* out = y + ((static_cast<int64_t>(b) * oh + i) * ow + j) * channels;
      for (int c = 0; c < channels; ++c) out[c] = -std::numeric_limits<float>::infinity();
      for (int yy = y0; yy < y1; ++yy) {
        for (int xx = x0; xx < x1; ++xx) {
          const float* in = x + ((static_cast<int64_t>(b) * height + yy) * width + xx) * channels;
          for (int c = 0; c < channels; ++c) out[c] = std::max(out[c], in[c]);
        }
      }
    }
  }
}

}  // namespace qimg::nn
