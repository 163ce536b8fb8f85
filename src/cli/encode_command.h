// `qimg encode`: loads a Hugging Face CLIP folder and prints embeddings of images and/or texts.
// Registered by the CLI's command table; this file only runs the command.
#pragma once

#include <string>
#include <vector>

namespace qimg {

struct EncodeCommandOptions {
  std::string model_dir;            // --model DIR (a Hugging Face CLIPModel folder)
  std::vector<std::string> images;  // --image FILE... (decoded by media/, any format it reads)
  std::vector<std::string> texts;   // --text STR...
  bool json = false;                // --json: one JSON object on stdout
  bool tokens = false;              // --tokens: also print token ids of each text (BOS..EOS)
  bool int8 = false;                // --int8: int8 weights (cosine >= 0.99 of fp32)
};

// Prints, for every input in order (images first, then texts), its L2-normalised embedding and
// the norm of the raw projection (raw = embedding * norm). Plain output is tab-separated:
//   image<TAB>PATH<TAB>v1 v2 ...        text<TAB>STR<TAB>v1 v2 ...
//   tokens<TAB>STR<TAB>id id ...        (with --tokens)
// --json prints {"model", "dim", "int8", "logit_scale", "items": [{"type", "input",
// "embedding", "raw_norm", "tokens"?}]}. Errors (missing model, undecodable image, nothing to
// encode) are one line on stderr, "qimg encode: ...", and exit code 1; otherwise 0.
int RunEncodeCommand(const EncodeCommandOptions& o);

}  // namespace qimg
