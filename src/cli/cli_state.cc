#include "cli/cli_state.h"

#include <cstdio>

namespace qimg {

Result<Config> CliState::LoadConfigFile() {
  return LoadConfig(config_path.empty() ? DefaultConfigPath() : config_path);
}

Result<Engine*> CliState::OpenEngine() {
  if (engine_) return engine_.get();
  QIMG_ASSIGN_OR_RETURN(Config config, LoadConfigFile());
  QIMG_ASSIGN_OR_RETURN(engine_, Engine::Open(config));
  return engine_.get();
}

int ReportError(const Status& status) {
  std::fprintf(stderr, "qimg: error: %s\n", status.message().c_str());
  return 1;
}

void Print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void AddOutputFlags(CLI::App* cmd, OutputFlags* flags, bool with_debug) {
  cmd->add_flag("--json", flags->json, "JSON output");
  cmd->add_flag("--files", flags->files, "tab-separated output: id, score, path, contexts, width, height, date");
  if (with_debug) cmd->add_flag("--debug", flags->debug, "show the per-channel score breakdown");
  cmd->add_flag("--preview", flags->preview,
                "inline thumbnails in kitty / iTerm2 / WezTerm terminals (ignored elsewhere)");
}

}  // namespace qimg
