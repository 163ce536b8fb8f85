#include "nn/resnet.h"

#include <algorithm>

namespace qimg::nn {
namespace {

Result<Conv2d> LoadConvBn(const SafetensorsFile& f, const std::string& prefix,
                          const Conv2dShape& shape, float eps) {
  QIMG_ASSIGN_OR_RETURN(Conv2d c, Conv2d::Load(f, prefix + ".convolution", shape, false));
  QIMG_RETURN_IF_ERROR(c.LoadBatchNorm(f, prefix + ".normalization", eps));
  return c;
}

int StageStride(const ResNetConfig& c, size_t stage) {
  return stage == 0 && !c.downsample_in_first_stage ? 1 : 2;
}

}  // namespace

Result<ResNetBackbone> ResNetBackbone::Load(const SafetensorsFile& f, const std::string& prefix,
                                            const ResNetConfig& config) {
  if (config.hidden_sizes.empty() || config.hidden_sizes.size() != config.depths.size()) {
    return Status::InvalidArgument(
        "resnet: hidden_sizes and depths must be non-empty and equal in length");
  }
  for (size_t i = 0; i < config.depths.size(); ++i) {
    if (config.depths[i] <= 0 || config.hidden_sizes[i] < 4) {
      return Status::InvalidArgument("resnet: invalid depth or width in stage " +
                                     std::to_string(i + 1));
    }
  }
  ResNetBackbone r;
  r.config_ = config;
  const float eps = config.batch_norm_eps;
  QIMG_ASSIGN_OR_RETURN(r.stem_,
                        LoadConvBn(f, prefix + ".embedder.embedder",
                                   {config.num_channels, config.embedding_size, 7, 2, 3}, eps));
  int in = config.embedding_size;
  for (size_t s = 0; s < config.depths.size(); ++s) {
    std::vector<Block> blocks;
    const int out = config.hidden_sizes[s];
    const int mid = out / 4;  // transformers' bottleneck reduction
    for (int b = 0; b < config.depths[s]; ++b) {
      const int stride = b == 0 ? StageStride(config, s) : 1;
      const std::string p =
          prefix + ".encoder.stages." + std::to_string(s) + ".layers." + std::to_string(b) + ".";
      Block blk;
      const int s1 = config.downsample_in_bottleneck ? stride : 1;
      const int s3 = config.downsample_in_bottleneck ? 1 : stride;
      QIMG_ASSIGN_OR_RETURN(blk.reduce, LoadConvBn(f, p + "layer.0", {in, mid, 1, s1, 0}, eps));
      QIMG_ASSIGN_OR_RETURN(blk.conv, LoadConvBn(f, p + "layer.1", {mid, mid, 3, s3, 1}, eps));
      QIMG_ASSIGN_OR_RETURN(blk.expand, LoadConvBn(f, p + "layer.2", {mid, out, 1, 1, 0}, eps));
      blk.has_shortcut = in != out || stride != 1;
      if (blk.has_shortcut) {
        QIMG_ASSIGN_OR_RETURN(blk.shortcut,
                              LoadConvBn(f, p + "shortcut", {in, out, 1, stride, 0}, eps));
      }
      blocks.push_back(std::move(blk));
      in = out;
    }
    r.stages_.push_back(std::move(blocks));
  }
  return r;
}

int ResNetBackbone::OutExtent(int in) const {
  int e = stem_.shape().OutExtent(in);
  e = e > 0 ? (e + 2 - 3) / 2 + 1 : e;  // max-pool 3x3 / 2, pad 1
  for (size_t s = 0; s < stages_.size() && e > 0; ++s) {
    const Block& b = stages_[s][0];
    e = b.conv.shape().OutExtent(b.reduce.shape().OutExtent(e));
  }
  return e;
}

Result<FeatureMap> ResNetBackbone::Forward(const float* x, int batch, int height, int width,
                                           std::vector<FeatureMap>* stages) const {
  if (OutExtent(height) <= 0 || OutExtent(width) <= 0) {
    return Status::InvalidArgument("resnet: input " + std::to_string(width) + "x" +
                                   std::to_string(height) + " is too small");
  }
  if (stages) stages->clear();
  // Four buffers: block input and output (stage widths), and the two inner maps (a quarter of
  // the width). They are kept per thread between calls: fresh ones cost a page fault and a kernel
  // memset per 4 KB, ~10% of a full-size forward pass.
  const int sh = stem_.shape().OutExtent(height), sw = stem_.shape().OutExtent(width);
  size_t wide = static_cast<size_t>(batch) * sh * sw * config_.embedding_size;  // stem output
  size_t narrow = 0;
  {
    int h = (sh - 1) / 2 + 1, w = (sw - 1) / 2 + 1;
    for (size_t s = 0; s < stages_.size(); ++s) {
      const Block& b = stages_[s][0];
      const int rh = b.reduce.shape().OutExtent(h), rw = b.reduce.shape().OutExtent(w);
      narrow =
          std::max(narrow, static_cast<size_t>(batch) * rh * rw * b.reduce.shape().out_channels);
      h = b.conv.shape().OutExtent(rh);
      w = b.conv.shape().OutExtent(rw);
      wide = std::max(wide, static_cast<size_t>(batch) * h * w * config_.hidden_sizes[s]);
    }
  }
  static thread_local std::vector<float> buffers[4];
  for (int i = 0; i < 4; ++i) {
    const size_t need = i < 2 ? wide : narrow;
    if (buffers[i].size() < need) {
      buffers[i] = {};
      buffers[i].resize(need);
    }
  }
  float* in_buf = buffers[0].data();
  float* out_buf = buffers[1].data();
  float* t1 = buffers[2].data();
  float* t2 = buffers[3].data();

  QIMG_RETURN_IF_ERROR(stem_.Forward(x, batch, height, width, out_buf, {.relu = true}));
  int h = (sh + 2 - 3) / 2 + 1, w = (sw + 2 - 3) / 2 + 1;
  int c = config_.embedding_size;
  MaxPool2d(out_buf, batch, sh, sw, c, 3, 2, 1, in_buf);
  auto snapshot = [&](const float* buf) {
    if (!stages) return;
    FeatureMap m{batch, h, w, c, {}};
    m.data.assign(buf, buf + static_cast<size_t>(batch) * h * w * c);
    stages->push_back(std::move(m));
  };
  snapshot(in_buf);
  for (const auto& stage : stages_) {
    for (const Block& b : stage) {
      const int rh = b.reduce.shape().OutExtent(h), rw = b.reduce.shape().OutExtent(w);
      QIMG_RETURN_IF_ERROR(b.reduce.Forward(in_buf, batch, h, w, t1, {.relu = true}));
      QIMG_RETURN_IF_ERROR(b.conv.Forward(t1, batch, rh, rw, t2, {.relu = true}));
      const int oh = b.conv.shape().OutExtent(rh), ow = b.conv.shape().OutExtent(rw);
      const int oc = b.expand.shape().out_channels;
      if (b.has_shortcut) {
        QIMG_RETURN_IF_ERROR(b.shortcut.Forward(in_buf, batch, h, w, out_buf));
        QIMG_RETURN_IF_ERROR(
            b.expand.Forward(t2, batch, oh, ow, out_buf, {.relu = true, .residual = true}));
        std::swap(in_buf, out_buf);
      } else {
        // Identity shortcut: the block input is the residual, summed in place.
        QIMG_RETURN_IF_ERROR(
            b.expand.Forward(t2, batch, oh, ow, in_buf, {.relu = true, .residual = true}));
      }
      h = oh;
      w = ow;
      c = oc;
    }
    snapshot(in_buf);
  }
  FeatureMap out{batch, h, w, c, {}};
  out.data.assign(in_buf, in_buf + static_cast<size_t>(batch) * h * w * c);
  return out;
}

}  // namespace qimg::nn
