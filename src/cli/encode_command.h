// `qimg encode`: loads a Hugging Face CLIP or SigLIP folder and prints embeddings of images and/or
// texts.
// Registered by the CLI's command table; this file only runs the command.
#pragma once

#include <string>
#include <vector>

namespace qimg {

struct EncodeCommandOptions {
  std::string model_dir;            // --model DIR (a Hugging Face CLIPModel or SiglipModel folder)
  std::vector<std::string> images;  // --image FILE... (decoded by media/, any format it reads)
  std::vector<std::string> texts;   // --text STR...
  bool json = false;                // --json: one JSON object on stdout
  bool tokens = false;              // --tokens: also print token ids of each text (BOS..EOS)
  bool int8 = false;                // --int8: int8 weights (cosine >= 0.99 of fp32)
  std::string pooling;              // --pooling cls|mean (BERT / XLM-R folders; "" = folder's)
};

// Prints, for every input in order (images first, then texts), its L2-normalised embedding and
// the norm of the raw projection (raw = embedding * norm). Plain output is tab-separated:
//   image<TAB>PATH<TAB>v1 v2 ...        text<TAB>STR<TAB>v1 v2 ...
//   tokens<TAB>STR<TAB>id id ...        (with --tokens)
// --json prints {"model", "dim", "int8", "family" ("clip" / "siglip"), "logit_scale",
// "logit_bias" (0 for CLIP), "items": [{"type", "input", "embedding", "raw_norm", "tokens"?}]}.
// Tokens run from the first token to the end token (CLIP: BOS..EOS; SigLIP: content..</s>).
// Errors (missing model, undecodable image, nothing to encode) are one line on stderr,
// "qimg encode: ...", and exit code 1; otherwise 0.
//
// A BERT / XLM-R text-model folder (config.json model_type bert, roberta or xlm-roberta; e.g.
// bge-small-en-v1.5, all-MiniLM-L6-v2, BGE-M3) takes --text only; its --json has "family"
// ("bert" / "xlm-roberta"), "pooling" ("cls" / "mean"), "pooling_source" ("option",
// "1_Pooling/config.json" or "name rule", see nn/text_embedder.h) and "max_length" instead of
// the logit fields, and the same "items". --pooling on a CLIP folder is an error.
int RunEncodeCommand(const EncodeCommandOptions& o);
// The text-model half (cli/text_encode_command.cc).
int RunTextEncodeCommand(const EncodeCommandOptions& o);

}  // namespace qimg
