// qimg: query images. One table of subcommands (registered per module) drives dispatch and help.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "base/log.h"
#include "cli/cli_state.h"
#include "cli/command_table.h"

int main(int argc, char** argv) {
  qimg::CliState state;
  CLI::App app{"qimg: query images — local image search over contexts, facts, vectors and metadata"};
  app.name("qimg");
  app.set_version_flag("--version", "qimg 0.2.0");
  app.add_option("--config", state.config_path, "config YAML (created with defaults if missing)");
  app.add_flag("-v,--verbose", state.verbose, "debug logging on stderr");
  app.require_subcommand(1);
  app.fallthrough();
  qimg::RegisterAllCommands(app, state);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Usage errors exit 2 with the framework's message on stderr; --help/--version exit 0.
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  qimg::SetLogLevel(state.verbose ? qimg::LogLevel::kDebug : qimg::LogLevel::kWarning);
  if (!state.action) return 2;
  return state.action();
}
