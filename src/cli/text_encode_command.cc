// `qimg encode` on a BERT / XLM-R text-model folder (bge-small, all-MiniLM, BGE-M3, ...): the
// same output shape as the CLIP path (see encode_command.h), with the pooling in the header.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/text.h"
#include "cli/encode_command.h"
#include "nn/text_embedder.h"

namespace qimg {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "qimg encode: %s\n", message.c_str());
  return 1;
}

double RoundTrip(float v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(v));
  return std::strtod(buf, nullptr);
}

std::string OneLine(const std::string& s) {
  std::string out = ReplaceAll(ReplaceAll(ReplaceAll(s, "\\", "\\\\"), "\t", "\\t"), "\n", "\\n");
  return ReplaceAll(out, "\r", "\\r");
}

}  // namespace

int RunTextEncodeCommand(const EncodeCommandOptions& o) {
  if (!o.images.empty()) {
    return Fail(o.model_dir + " is a text-only model (BERT / XLM-R): --image needs a CLIP folder");
  }
  if (o.texts.empty()) return Fail("nothing to encode: give --text");
  nn::TextEmbedderOptions options;
  options.int8 = o.int8;
  if (!o.pooling.empty()) {
    if (o.pooling != "cls" && o.pooling != "mean") {
      return Fail("--pooling must be cls or mean, not '" + o.pooling + "'");
    }
    options.pooling_set = true;
    options.pooling = o.pooling == "cls" ? nn::Pooling::kCls : nn::Pooling::kMean;
  }
  auto loaded = nn::TextEmbedder::Load(o.model_dir, options);
  if (!loaded.ok()) return Fail(loaded.status().ToString());
  const nn::TextEmbedder& e = **loaded;
  auto emb = e.Encode(o.texts);
  if (!emb.ok()) return Fail(emb.status().ToString());
  const int dim = emb->dim;
  const bool cls = e.pooling() == nn::Pooling::kCls;
  const char* family =
      e.model().config().family == nn::BertFamily::kBert ? "bert" : "xlm-roberta";
  nlohmann::json items = nlohmann::json::array();
  for (int i = 0; i < emb->rows; ++i) {
    std::vector<float> v(emb->row(i), emb->row(i) + dim);
    double sq = 0;
    for (float x : v) sq += static_cast<double>(x) * x;
    const double norm = std::sqrt(sq);
    for (float& x : v) x = static_cast<float>(x / std::max(norm, 1e-12));
    const std::string& text = o.texts[static_cast<size_t>(i)];
    std::vector<int32_t> tokens;
    if (o.tokens) tokens = e.tokenizer().Encode(text).ids;
    if (o.json) {
      std::vector<double> rounded;
      for (float x : v) rounded.push_back(RoundTrip(x));
      nlohmann::json j = {{"type", "text"},
                          {"input", SanitizeUtf8(text)},
                          {"embedding", rounded},
                          {"raw_norm", RoundTrip(static_cast<float>(norm))}};
      if (o.tokens) j["tokens"] = tokens;
      items.push_back(std::move(j));
      continue;
    }
    std::string line = "text\t" + OneLine(text) + "\t";
    char buf[32];
    for (int k = 0; k < dim; ++k) {
      std::snprintf(buf, sizeof(buf), k ? " %.9g" : "%.9g", static_cast<double>(v[static_cast<size_t>(k)]));
      line += buf;
    }
    std::cout << line << '\n';
    if (o.tokens) {
      std::string ids;
      for (size_t k = 0; k < tokens.size(); ++k) ids += (k ? " " : "") + std::to_string(tokens[k]);
      std::cout << "tokens\t" << OneLine(text) << '\t' << ids << '\n';
    }
  }
  if (o.json) {
    nlohmann::json out;
    out["model"] = SanitizeUtf8(o.model_dir);
    out["dim"] = dim;
    out["int8"] = o.int8;
    out["family"] = family;
    out["pooling"] = cls ? "cls" : "mean";
    out["pooling_source"] = e.pooling_source();
    out["max_length"] = e.max_length();
    out["items"] = std::move(items);
    std::cout << out.dump() << "\n";
  }
  std::cout.flush();
  return std::cout.good() ? 0 : Fail("cannot write to stdout");
}

}  // namespace qimg
