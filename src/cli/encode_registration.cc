// Registers `qimg encode` (the engine lives in src/nn; the command body in encode_command.cc).
#include "cli/cli_state.h"
#include "cli/encode_command.h"

namespace qimg {

void RegisterEncodeCommands(CLI::App& app, CliState& state) {
  auto o = std::make_shared<EncodeCommandOptions>();
  auto* cmd = app.add_subcommand("encode", "print embeddings of images or texts with a model folder");
  cmd->add_option("--model", o->model_dir, "Hugging Face model folder (config.json, model.safetensors, ...)")
      ->required();
  cmd->add_option("--image", o->images, "image files to embed");
  cmd->add_option("--text", o->texts, "texts to embed");
  cmd->add_flag("--json", o->json, "JSON output");
  cmd->add_flag("--tokens", o->tokens, "also print token ids of each text");
  cmd->add_flag("--int8", o->int8, "int8 weights (faster; cosine >= 0.99 of fp32)");
  cmd->add_option("--pooling", o->pooling,
                  "BERT / XLM-R text models: cls or mean (default: the folder's sentence-transformers "
                  "pooling, else cls for names containing 'bge', mean otherwise)")
      ->check(CLI::IsMember({"cls", "mean"}));
  cmd->callback([&state, o] {
    state.action = [o] {
      if (o->images.empty() && o->texts.empty()) {
        std::fprintf(stderr, "qimg encode: give --image FILE... and/or --text STR...\n");
        return 2;
      }
      return RunEncodeCommand(*o);
    };
  });
}

}  // namespace qimg
