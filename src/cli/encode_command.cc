#include "cli/encode_command.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/text.h"
#include "media/decode.h"
#include "nn/text_embedder.h"
#include "nn/image_text_model.h"

namespace qimg {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "qimg encode: %s\n", message.c_str());
  return 1;
}

std::string FormatVector(const float* v, int n) {
  std::string s;
  char buf[32];
  for (int i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof(buf), i ? " %.9g" : "%.9g", static_cast<double>(v[i]));
    s += buf;
  }
  return s;
}

// The float printed with 9 significant digits (enough to round-trip), as a double: nlohmann
// prints a double's shortest form, so 0.241208524f comes out as 0.241208524, not
// 0.24120852351188660.
double RoundTrip(float v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(v));
  return std::strtod(buf, nullptr);
}

std::vector<double> RoundTrip(const std::vector<float>& v) {
  std::vector<double> out;
  out.reserve(v.size());
  for (float x : v) out.push_back(RoundTrip(x));
  return out;
}

// Tabs and newlines in a text would break the TSV line.
std::string OneLine(const std::string& s) {
  std::string out = ReplaceAll(ReplaceAll(ReplaceAll(s, "\\", "\\\\"), "\t", "\\t"), "\n", "\\n");
  return ReplaceAll(out, "\r", "\\r");
}

struct Item {
  std::string type;
  std::string input;
  std::vector<float> embedding;
  float raw_norm = 0;
  std::vector<int32_t> tokens;
};

void AddItems(const std::string& type, const std::vector<std::string>& inputs,
              const nn::Embeddings& raw, std::vector<Item>* items) {
  for (int i = 0; i < raw.rows; ++i) {
    Item it;
    it.type = type;
    it.input = inputs[static_cast<size_t>(i)];
    it.embedding.assign(raw.row(i), raw.row(i) + raw.dim);
    double sq = 0;
    for (float v : it.embedding) sq += static_cast<double>(v) * v;
    it.raw_norm = static_cast<float>(std::sqrt(sq));
    if (sq > 0) {
      for (float& v : it.embedding) v = static_cast<float>(v / std::sqrt(sq));
    }
    items->push_back(std::move(it));
  }
}

}  // namespace

int RunEncodeCommand(const EncodeCommandOptions& o) {
  if (o.model_dir.empty()) return Fail("--model DIR is required");
  if (o.images.empty() && o.texts.empty()) return Fail("nothing to encode: give --image or --text");
  if (nn::IsBertFamilyFolder(o.model_dir)) return RunTextEncodeCommand(o);
  if (!o.pooling.empty()) return Fail("--pooling applies to BERT / XLM-R text-model folders only");
  nn::ClipLoadOptions load;
  load.int8 = o.int8;
  auto pipeline = nn::LoadImageTextModel(o.model_dir, load);
  if (!pipeline.ok()) return Fail(pipeline.status().ToString());
  const nn::ImageTextModel& p = **pipeline;

  std::vector<Item> items;
  if (!o.images.empty()) {
    std::vector<RgbImage> decoded;
    for (const std::string& path : o.images) {
      auto img = DecodeRgb(path);
      if (!img.ok()) return Fail(path + ": " + img.status().ToString());
      decoded.push_back(std::move(img).value());
    }
    auto emb = p.EncodeImages(decoded);
    if (!emb.ok()) return Fail(emb.status().ToString());
    AddItems("image", o.images, *emb, &items);
  }
  if (!o.texts.empty()) {
    auto emb = p.EncodeTexts(o.texts);
    if (!emb.ok()) return Fail(emb.status().ToString());
    size_t first_text = items.size();
    AddItems("text", o.texts, *emb, &items);
    if (o.tokens) {
      for (size_t i = 0; i < o.texts.size(); ++i) {
        nn::TokenizedText t = p.Tokenize(o.texts[i]);
        items[first_text + i].tokens.assign(t.input_ids.begin(),
                                            t.input_ids.begin() + t.eos_index + 1);
      }
    }
  }

  const int dim = p.embedding_dim();
  if (o.json) {
    nlohmann::json out;
    out["model"] = SanitizeUtf8(o.model_dir);
    out["dim"] = dim;
    out["int8"] = o.int8;
    out["family"] = nn::ModelFamilyName(p.family());
    out["logit_scale"] = RoundTrip(p.logit_scale());
    out["logit_bias"] = RoundTrip(p.logit_bias());
    out["items"] = nlohmann::json::array();
    for (const Item& it : items) {
      nlohmann::json j = {{"type", it.type},
                          {"input", SanitizeUtf8(it.input)},
                          {"embedding", RoundTrip(it.embedding)},
                          {"raw_norm", RoundTrip(it.raw_norm)}};
      if (it.type == "text" && o.tokens) j["tokens"] = it.tokens;
      out["items"].push_back(std::move(j));
    }
    std::cout << out.dump() << "\n";
  } else {
    for (const Item& it : items) {
      std::cout << it.type << '\t' << OneLine(it.input) << '\t'
                << FormatVector(it.embedding.data(), dim) << '\n';
      if (it.type == "text" && o.tokens) {
        std::string ids;
        for (size_t i = 0; i < it.tokens.size(); ++i) {
          ids += (i ? " " : "") + std::to_string(it.tokens[i]);
        }
        std::cout << "tokens\t" << OneLine(it.input) << '\t' << ids << '\n';
      }
    }
  }
  std::cout.flush();
  return std::cout.good() ? 0 : Fail("cannot write to stdout");
}

}  // namespace qimg
