// Every command module's registration, in help order.
#pragma once

#include "cli/cli_state.h"

namespace qimg {

inline void RegisterAllCommands(CLI::App& app, CliState& state) {
  RegisterLibraryCommands(app, state);
  RegisterAssetCommands(app, state);
  RegisterMcpCommands(app, state);
  RegisterSearchCommands(app, state);
  RegisterQueryCommands(app, state);
  RegisterVectorCommands(app, state);
  RegisterModelCommands(app, state);
  RegisterServeCommands(app, state);
#ifdef QIMG_HAVE_ENCODE
  RegisterEncodeCommands(app, state);
#endif
}

}  // namespace qimg
