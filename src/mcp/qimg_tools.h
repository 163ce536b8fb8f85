// qimg's MCP tools (SPEC §11.1 names and arguments, with the CLI's defaults). Only tools whose
// Engine capability exists are registered; see docs/mcp.md for the schemas.
#pragma once

#include "mcp/tool_registry.h"

namespace qimg::mcp {

// Largest thumbnail side qimg_get will produce (pixels).
inline constexpr int kMaxThumbnailSide = 512;

void RegisterQimgTools(ToolRegistry* registry);

// qimg_facts_extract (facts_extract_tool.cc).
ToolSpec FactsExtractTool();

// Standard base64 (RFC 4648, with padding), for image content blocks.
std::string Base64Encode(std::string_view bytes);

}  // namespace qimg::mcp
