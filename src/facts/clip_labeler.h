// Tags and captions from the image with CLIP zero-shot classification over the shipped
// vocabulary (facts/vocabulary.h):
//  - each concept's text embedding is the mean of its prompts ("a photo of a {}.", ...), each
//    L2-normalised before averaging, and the mean re-normalised (prompt ensembling, CLIP §3.1.4);
//  - label embeddings are cached on disk per model folder + vocabulary hash, so only the first
//    run with a model pays for encoding ~1,000 concepts x 5 prompts;
//  - probabilities are a softmax over the whole vocabulary of logit_scale * cosine, which is
//    what CLIP was trained to calibrate; tags keep those above a threshold, at most top_k.
//    SigLIP models go through the same softmax with their own scale (their logit_bias shifts
//    every label alike, so it cancels): the ranking is the model's, the threshold keeps its
//    meaning of "share of the vocabulary's probability";
//  - a caption is the best of a few sentences assembled from the top scene and object labels,
//    scored like a label (cosine to the image).
// Thread-compatible: const methods may run concurrently.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "facts/extracted_fact.h"
#include "facts/vocabulary.h"
#include "nn/image_text_model.h"

namespace qimg::facts {

inline constexpr const char* kZeroShotSourcePrefix = "clip_zeroshot@1:";  // + model setting
inline constexpr const char* kClipCaptionSourcePrefix = "caption_clip@1:";  // + model setting

struct LabelerOptions {
  double threshold = 0.03;  // minimum softmax probability of a tag
  int top_k = 8;            // at most this many tags per image
  // Folder for label-embedding caches (created when missing). Empty = no cache.
  std::string cache_dir;
};

// The prompt templates ("{}" is the concept), exposed for docs and tests.
const std::vector<std::string>& PromptTemplates();

struct RankedLabel {
  int index = 0;  // into Vocabulary()
  double probability = 0;
};

class ClipLabeler {
 public:
  // Loads the label embeddings from the cache or encodes them with `pipeline` (which must
  // outlive the labeler) and writes the cache. model_key identifies the checkpoint (folder path
  // plus weights size/mtime). A cache that cannot be written is not an error.
  static Result<std::unique_ptr<ClipLabeler>> Create(const nn::ImageTextModel* pipeline,
                                                     const std::string& model_key,
                                                     const LabelerOptions& options);

  bool loaded_from_cache() const { return loaded_from_cache_; }
  const std::string& cache_path() const { return cache_path_; }
  int dim() const { return dim_; }

  // Every concept by probability, highest first. image: unit-norm image embedding of dim().
  std::vector<RankedLabel> Rank(const float* image) const;
  // Tag facts (key = value_text = label, confidence = probability) from a ranking.
  std::vector<ExtractedFact> Tags(const std::vector<RankedLabel>& ranked) const;
  // Candidate caption sentences for a ranking (at least one; deterministic).
  std::vector<std::string> CaptionCandidates(const std::vector<RankedLabel>& ranked) const;
  // Captions for several images at once (one text-encoder call): images are unit-norm rows;
  // rankings[i] belongs to row i. confidence = softmax probability among the candidates.
  Result<std::vector<ExtractedFact>> Captions(const nn::Embeddings& images,
                                              const std::vector<std::vector<RankedLabel>>& rankings) const;

 private:
  ClipLabeler() = default;
  const nn::ImageTextModel* pipeline_ = nullptr;
  LabelerOptions options_;
  int dim_ = 0;
  std::vector<float> labels_;  // [Vocabulary().size(), dim_], unit rows
  float logit_scale_ = 100;
  bool loaded_from_cache_ = false;
  std::string cache_path_;
};

// A stable identity for a model folder: path + size and mtime of its weights file.
std::string ModelKey(const std::string& model_dir);

}  // namespace qimg::facts
