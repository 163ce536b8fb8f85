// What every command needs: global options and a lazily opened Engine. Commands register on
// the CLI11 app and set `action`; main() runs it after parsing, so `--help` never touches the
// database.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

#include "app/engine.h"
#include "cli/render.h"

namespace qimg {

struct CliState {
  std::string config_path;  // --config, empty = default
  bool verbose = false;
  std::function<int()> action;

  // Loads the config (creating the default file when missing) and opens the engine.
  Result<Config> LoadConfigFile();
  Result<Engine*> OpenEngine();

 private:
  std::unique_ptr<Engine> engine_;
};

// Prints "qimg: error: <message>" to stderr and returns 1 (DESIGN §8: one clear line).
int ReportError(const Status& status);
// Writes text to stdout exactly.
void Print(const std::string& text);

// Output flags shared by result commands.
struct OutputFlags {
  bool json = false;
  bool files = false;
  bool debug = false;
  bool preview = false;  // inline thumbnails on kitty / iTerm2 terminals (human output only)
  OutputMode mode() const {
    return json ? OutputMode::kJson : files ? OutputMode::kFiles : OutputMode::kHuman;
  }
};
void AddOutputFlags(CLI::App* cmd, OutputFlags* flags, bool with_debug = true);

void RegisterLibraryCommands(CLI::App& app, CliState& state);  // init-config, collection, context, update, status, cleanup
void RegisterAssetCommands(CLI::App& app, CliState& state);     // get, multi-get, facts
// facts extract, on the `facts` group made by RegisterAssetCommands (facts_extract_command.cc).
void RegisterFactsExtractCommand(CLI::App* facts, CliState& state);
void RegisterEncodeCommands(CLI::App& app, CliState& state);    // encode (src/nn)
void RegisterMcpCommands(CLI::App& app, CliState& state);      // mcp (stdio, http, daemon, stop)
void RegisterSearchCommands(CLI::App& app, CliState& state);   // search
void RegisterQueryCommands(CLI::App& app, CliState& state);    // query (hybrid)
void RegisterVectorCommands(CLI::App& app, CliState& state);   // embed, vsearch, similar, repair
void RegisterModelCommands(CLI::App& app, CliState& state);    // models list/download/import/verify
void RegisterServeCommands(CLI::App& app, CliState& state);    // serve (web gallery + /mcp)

struct FilterArgs;
// The shared retrieval options of SPEC §1.2 (-n >= 1, --all, filters) for search, vsearch, query.
void AddRetrievalOptions(CLI::App* cmd, int* num, bool* all, FilterArgs* filters);

}  // namespace qimg
