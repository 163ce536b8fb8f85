// Configuration and locations (SPEC §2). The YAML file is read once per process; every value
// is type-checked and an error names the bad key ("search.rrf_k: expected an integer").
#pragma once

#include <string>

#include "base/status.h"

namespace qimg {

struct SearchConfig {
  int rrf_k = 60;
  int query_expansions = 2;
  int top_k_retrieval = 100;
  int rerank_candidates = 30;
  bool enable_reranker = false;
  // The cross-encoder the reranker uses when set (a *ForSequenceClassification BERT / XLM-R
  // folder or installed name, e.g. bge-reranker-base); empty: SPEC §9.5's overlap reranker.
  std::string reranker_model;
  double w_namefolder = 1.0;
  double w_context = 1.2;
  double w_facts = 1.0;
  // query (issue 7): "wordnet" (synonyms/hypernyms + tag vocabulary, CLIP prompt ensemble),
  // "original" (SPEC §9.2's fixed-word templates) or "none".
  std::string expansion = "wordnet";
  // RRF top-rank bonuses: "weighted" (x list weight), "original" (unweighted) or "none".
  std::string rank_bonus = "weighted";
};

// The original's image model (SPEC §12.1): what a config file that names no embed.model means.
inline constexpr const char* kLegacyImageModel = "qimg-encoder-finetuned-clip-vit-large-patch14";

struct EmbedConfig {
  // New configurations (no config file, `qimg init-config`) use SigLIP 2 B/16; an existing file
  // without embed.model keeps kLegacyImageModel (README "Differences from the original").
  std::string model = "siglip2-base-patch16-224";
  std::string text_model = "qimg-text-encoder-bge-m3";
  std::string device = "auto";
  int batch_size = 16;
};

struct OcrConfig {
  bool enabled = false;
  std::string languages = "eng";
};

struct ObjectsConfig {
  // The detector `facts extract --objects` will run (DETR ResNet-50 in the original).
  std::string model = "qimg-object-detector-detr-resnet-50";
};

struct FactsConfig {
  // Zero-shot tags: minimum softmax probability over the vocabulary, and at most this many.
  double tag_threshold = 0.03;
  int tag_top_k = 8;
};

struct ModelsConfig {
  // Download a missing built-in model when a command needs it. Off by default: a search never
  // starts a multi-GB download on its own; the error names `qimg models download` instead.
  bool auto_download = false;
};

struct Config {
  std::string config_path;  // the file this was loaded from (or would be written to)
  std::string db_path;
  std::string vector_dir;
  std::string pid_path;
  std::string models_dir;
  // Content SHA-256 at update time. On by default here (the original defaulted to off):
  // exact-duplicate detection and embedding staleness use it, and it costs little next to decoding.
  bool compute_sha256 = true;
  EmbedConfig embed;
  SearchConfig search;
  OcrConfig ocr;
  ObjectsConfig objects;
  FactsConfig facts;
  bool show_logo = true;  // accepted for compatibility; qimg never prints a logo on stdout
  ModelsConfig models;  // models.* (auto_download)
};

// $XDG_CONFIG_HOME/qimg (or ~/.config/qimg) and $XDG_CACHE_HOME/qimg (or ~/.cache/qimg).
std::string DefaultConfigDir();
std::string DefaultCacheDir();
std::string DefaultConfigPath();
// $QIMG_MODELS_DIR, else <cache dir>/models.
std::string DefaultModelsDir();

// Defaults with paths under the default cache dir.
Config DefaultConfig();
// Loads path (writing the defaults there first when it does not exist, like the original).
// InvalidArgument naming the key for a wrong type or unknown nested key; Corrupt for YAML that
// does not parse.
Result<Config> LoadConfig(const std::string& path, bool create_if_missing = true);
// Parses YAML text (for tests). Relative paths are relative to the current directory.
Result<Config> ParseConfig(const std::string& yaml_text, const std::string& path_for_messages);
// The default config file text (SPEC §2.3 key order).
std::string DefaultConfigYaml(const Config& config);

}  // namespace qimg
