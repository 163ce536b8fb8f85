// Golden tests of the DETR detector against ../shared/testdata/detr-tiny (README there): every
// image's golden pixel_values through the model, with the backbone stages, feature mask,
// position embeddings, projected features, encoder/decoder states, logits, boxes and the
// post-processed detections at thresholds 0.0 and 0.3 within the README's tolerances; then the
// padded batch of all six images. Config parsing and its refusals are checked too.
#include "nn/detr_model.h"

#include <gtest/gtest.h>

#include <cmath>

#include "base/fs.h"
#include "nn/detr_image_processor.h"
#include "nn/test_util.h"

namespace qimg::nn {
namespace {

using testing::Floats;
using testing::MaxAbsDiff;

std::string DetrDir() { return std::string(QIMG_TESTDATA_DIR) + "/detr-tiny"; }

const nlohmann::json& Golden() {
  static const nlohmann::json g = [] {
    auto text = ReadFileToString(DetrDir() + "/golden.json");
    return text.ok() ? nlohmann::json::parse(*text) : nlohmann::json();
  }();
  return g;
}

std::unique_ptr<DetrModel> LoadTiny() {
  auto m = DetrModel::Load(DetrDir());
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? std::move(m).value() : nullptr;
}

float MaxAbs(const std::vector<float>& v) {
  float m = 0;
  for (float x : v) m = std::max(m, std::fabs(x));
  return m;
}

// Relative limit for hidden states: 1e-4 x max(1, max |golden|).
void ExpectStates(const std::vector<float>& got, const nlohmann::json& golden, const char* what) {
  const auto want = Floats(golden["data"]);
  ASSERT_EQ(got.size(), want.size()) << what;
  EXPECT_LE(MaxAbsDiff(got.data(), want.data(), want.size()), 1e-4f * std::max(1.0f, MaxAbs(want)))
      << what;
}

// NHWC feature map -> NCHW for comparison with the golden tensors.
std::vector<float> ToNchw(const FeatureMap& m) {
  std::vector<float> out(m.data.size());
  for (int b = 0; b < m.batch; ++b)
    for (int y = 0; y < m.height; ++y)
      for (int x = 0; x < m.width; ++x)
        for (int c = 0; c < m.channels; ++c)
          out[((static_cast<size_t>(b) * m.channels + c) * m.height + y) * m.width + x] =
              m.data[((static_cast<size_t>(b) * m.height + y) * m.width + x) * m.channels + c];
  return out;
}

// [batch, tokens, d] -> [batch, d, tokens] (the golden position embeddings are NCHW).
std::vector<float> TokensToChannels(const std::vector<float>& v, int batch, int tokens, int d) {
  std::vector<float> out(v.size());
  for (int b = 0; b < batch; ++b)
    for (int t = 0; t < tokens; ++t)
      for (int c = 0; c < d; ++c)
        out[(static_cast<size_t>(b) * d + c) * tokens + t] =
            v[(static_cast<size_t>(b) * tokens + t) * d + c];
  return out;
}

void ExpectDetections(const std::vector<Detection>& got, const nlohmann::json& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].query, want[i]["query"].get<int>());
    EXPECT_EQ(got[i].label, want[i]["label"].get<int>());
    EXPECT_NEAR(got[i].score, want[i]["score"].get<float>(), 3e-5f);
    for (int k = 0; k < 4; ++k)
      EXPECT_NEAR(got[i].box_xyxy[k], want[i]["box_xyxy"][k].get<float>(), 0.02f);
  }
}

TEST(DetrConfigTest, ParsesTinyConfig) {
  auto c = LoadDetrConfig(DetrDir() + "/config.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->d_model, 32);
  EXPECT_EQ(c->encoder_layers, 2);
  EXPECT_EQ(c->decoder_attention_heads, 4);
  EXPECT_EQ(c->num_queries, 10);
  EXPECT_EQ(c->num_labels(), 5);  // the top-level id2label, not the backbone's two defaults
  EXPECT_EQ(c->id2label.at(2), "Traffic Light");
  EXPECT_EQ(c->backbone.embedding_size, 16);
  EXPECT_EQ(c->backbone.hidden_sizes, (std::vector<int>{32, 64, 128, 256}));
  EXPECT_EQ(c->backbone.depths, (std::vector<int>{3, 4, 6, 3}));
}

TEST(DetrConfigTest, RefusesUnsupportedVariants) {
  auto text = ReadFileToString(DetrDir() + "/config.json");
  ASSERT_TRUE(text.ok());
  auto base = nlohmann::json::parse(*text);
  auto with = [&](auto edit) {
    auto j = base;
    edit(j);
    return ParseDetrConfig(j.dump());
  };
  auto timm = with([](auto& j) { j["use_timm_backbone"] = true; });
  EXPECT_EQ(timm.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(timm.status().message().find("use_timm_backbone"), std::string::npos);
  EXPECT_FALSE(with([](auto& j) { j["position_embedding_type"] = "learned"; }).ok());
  EXPECT_FALSE(with([](auto& j) { j["backbone_config"]["layer_type"] = "basic"; }).ok());
  EXPECT_FALSE(with([](auto& j) { j["activation_function"] = "gelu"; }).ok());
  EXPECT_FALSE(with([](auto& j) { j["d_model"] = 30; }).ok());  // not divisible by 4 heads
  EXPECT_FALSE(with([](auto& j) { j.erase("id2label"); }).ok());
  EXPECT_FALSE(with([](auto& j) { j["id2label"] = {{"0", "a"}, {"2", "b"}}; }).ok());
  EXPECT_FALSE(ParseDetrConfig("[1]").ok());
  EXPECT_FALSE(ParseDetrConfig("{").ok());
}

TEST(DetrModelTest, SingleImagesMatchGolden) {
  auto model = LoadTiny();
  ASSERT_NE(model, nullptr);
  const auto& images = Golden()["images"];
  ASSERT_EQ(images.size(), 6u);
  for (const auto& im : images) {
    SCOPED_TRACE(im["file"].get<std::string>());
    const auto& pv = im["pixel_values"];
    const int h = pv["shape"][2], w = pv["shape"][3];
    const auto pixels = Floats(pv["data"]);
    DetrTrace trace;
    auto out = model->Forward(pixels.data(), nullptr, 1, h, w, &trace);
    ASSERT_TRUE(out.ok()) << out.status().ToString();

    // Backbone: stem and stages 1-3 by their sums, stage 4 in full.
    ASSERT_EQ(trace.backbone.size(), 5u);
    const char* names[] = {"stem", "stage1", "stage2", "stage3"};
    for (int s = 0; s < 4; ++s) {
      const auto& g = im["backbone"][names[s]];
      const FeatureMap& m = trace.backbone[s];
      EXPECT_EQ((std::vector<int>{1, m.channels, m.height, m.width}),
                g["shape"].get<std::vector<int>>());
      double sum = 0, abs_sum = 0;
      for (float v : m.data) sum += v, abs_sum += std::fabs(v);
      EXPECT_NEAR(sum, g["sum"].get<double>(), 1e-4 * std::max(1.0, g["abs_sum"].get<double>()))
          << names[s];
      EXPECT_NEAR(abs_sum, g["abs_sum"].get<double>(),
                  1e-4 * std::max(1.0, g["abs_sum"].get<double>()))
          << names[s];
      const auto first = Floats(g["first"]);
      const auto nchw = ToNchw(m);
      EXPECT_LE(MaxAbsDiff(nchw.data(), first.data(), first.size()), 1e-4f) << names[s];
    }
    ExpectStates(ToNchw(trace.backbone[4]), im["backbone"]["stage4"], "stage4");

    const int fh = trace.feature_height, fw = trace.feature_width, d = model->config().d_model;
    EXPECT_EQ(im["feature_mask"]["shape"].get<std::vector<int>>(), (std::vector<int>{1, fh, fw}));
    std::vector<int> mask(trace.feature_mask.begin(), trace.feature_mask.end());
    EXPECT_EQ(mask, im["feature_mask"]["data"].get<std::vector<int>>());
    const auto pos = TokensToChannels(trace.position, 1, fh * fw, d);
    const auto want_pos = Floats(im["position_embeddings"]["data"]);
    ASSERT_EQ(pos.size(), want_pos.size());
    EXPECT_LE(MaxAbsDiff(pos.data(), want_pos.data(), pos.size()), 1e-6f);
    ExpectStates(TokensToChannels(trace.projected, 1, fh * fw, d), im["projected_features"],
                 "projected");
    ExpectStates(trace.encoder_output, im["encoder_last_hidden_state"], "encoder");
    ExpectStates(trace.decoder_output, im["decoder_last_hidden_state"], "decoder");

    const auto logits = Floats(im["logits"]["data"]);
    const auto boxes = Floats(im["pred_boxes"]["data"]);
    ASSERT_EQ(out->logits.size(), logits.size());
    ASSERT_EQ(out->boxes.size(), boxes.size());
    EXPECT_LE(MaxAbsDiff(out->logits.data(), logits.data(), logits.size()), 2e-4f);
    EXPECT_LE(MaxAbsDiff(out->boxes.data(), boxes.data(), boxes.size()), 3e-5f);

    const int oh = im["original_size"]["height"], ow = im["original_size"]["width"];
    for (const char* t : {"0.0", "0.3"}) {
      SCOPED_TRACE(t);
      ExpectDetections(DetrPostProcess(*out, 0, std::stof(t), oh, ow), im["detections"][t]);
    }
  }
}

TEST(DetrModelTest, PaddedBatchMatchesGolden) {
  auto model = LoadTiny();
  ASSERT_NE(model, nullptr);
  const auto& images = Golden()["images"];
  const auto& batch = Golden()["batch"];
  const int n = 6, H = batch["pixel_values"]["shape"][2], W = batch["pixel_values"]["shape"][3];
  // The batch's pixel values are each image's own, padded with zeros (layout rule in golden.json).
  std::vector<float> pixels(static_cast<size_t>(n) * 3 * H * W, 0.0f);
  std::vector<uint8_t> mask(static_cast<size_t>(n) * H * W, 0);
  for (int i = 0; i < n; ++i) {
    const auto& pv = images[i]["pixel_values"];
    const int h = pv["shape"][2], w = pv["shape"][3];
    ASSERT_EQ(batch["pixel_mask"]["valid_hw"][i].get<std::vector<int>>(), (std::vector<int>{h, w}));
    const auto v = Floats(pv["data"]);
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
          pixels[((static_cast<size_t>(i) * 3 + c) * H + y) * W + x] =
              v[(static_cast<size_t>(c) * h + y) * w + x];
          mask[(static_cast<size_t>(i) * H + y) * W + x] = 1;
        }
  }
  double sum = 0;
  for (float v : pixels) sum += v;
  EXPECT_NEAR(sum, batch["pixel_values"]["sum"].get<double>(), 1e-2);

  DetrTrace trace;
  auto out = model->Forward(pixels.data(), mask.data(), n, H, W, &trace);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const int fh = trace.feature_height, fw = trace.feature_width, d = model->config().d_model;
  std::vector<int> fmask(trace.feature_mask.begin(), trace.feature_mask.end());
  EXPECT_EQ(fmask, batch["feature_mask"]["data"].get<std::vector<int>>());
  const auto pos = TokensToChannels(trace.position, n, fh * fw, d);
  const auto want_pos = Floats(batch["position_embeddings"]["data"]);
  ASSERT_EQ(pos.size(), want_pos.size());
  EXPECT_LE(MaxAbsDiff(pos.data(), want_pos.data(), pos.size()), 1e-6f);
  ExpectStates(trace.encoder_output, batch["encoder_last_hidden_state"], "encoder");
  ExpectStates(trace.decoder_output, batch["decoder_last_hidden_state"], "decoder");
  const auto logits = Floats(batch["logits"]["data"]);
  const auto boxes = Floats(batch["pred_boxes"]["data"]);
  EXPECT_LE(MaxAbsDiff(out->logits.data(), logits.data(), logits.size()), 2e-4f);
  EXPECT_LE(MaxAbsDiff(out->boxes.data(), boxes.data(), boxes.size()), 3e-5f);
  for (int i = 0; i < n; ++i) {
    const int oh = images[i]["original_size"]["height"], ow = images[i]["original_size"]["width"];
    for (const char* t : {"0.0", "0.3"}) {
      SCOPED_TRACE(std::to_string(i) + " @ " + t);
      ExpectDetections(DetrPostProcess(*out, i, std::stof(t), oh, ow), batch["detections"][t][i]);
    }
  }
}

TEST(DetrModelTest, RejectsTooSmallInput) {
  auto model = LoadTiny();
  ASSERT_NE(model, nullptr);
  std::vector<float> px(3 * 4 * 4, 0.0f);
  // 4x4 reaches a 1x1 map; a 0-row image cannot.
  EXPECT_FALSE(model->Forward(px.data(), nullptr, 1, 0, 4).ok());
}

TEST(DetrModelTest, MissingTensorIsNamed) {
  auto c = LoadDetrConfig(DetrDir() + "/config.json");
  ASSERT_TRUE(c.ok());
  c->decoder_layers = 3;  // the checkpoint has two
  auto f = SafetensorsFile::Open(DetrDir() + "/model.safetensors");
  ASSERT_TRUE(f.ok());
  auto m = DetrModel::FromCheckpoint(*c, **f);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("model.decoder.layers.2"), std::string::npos)
      << m.status().ToString();
}

}  // namespace
}  // namespace qimg::nn
