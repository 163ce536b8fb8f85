// qimg_facts_extract: `facts extract` over MCP (same Engine call, same JSON as the CLI's --json).
#include "app/engine.h"
#include "mcp/qimg_tools.h"

namespace qimg::mcp {

ToolSpec FactsExtractTool() {
  ToolSpec t;
  t.name = "qimg_facts_extract";
  t.title = "Extract facts from images";
  t.description =
      "Reads facts from the pixels of the given images (or of every image): OCR text, derived "
      "colours/orientation/brightness/screenshot, zero-shot tags and a caption (image model), "
      "objects (detector). Each channel replaces only its own facts of its own source. An id "
      "that does not resolve is an error and nothing is done.";
  t.input_schema = ojson::parse(R"({
    "type": "object",
    "properties": {
      "ids": {"type": "array", "items": {"type": "string"},
              "description": "asset ids, id prefixes, paths or qimg:// paths; omitted = every image"},
      "caption": {"type": "boolean"}, "tags": {"type": "boolean"}, "objects": {"type": "boolean"},
      "ocr": {"type": "boolean"}, "derived": {"type": "boolean"}
    }
  })");
  t.output_schema = ojson::parse(R"({
    "type": "object",
    "properties": {
      "processed": {"type": "integer"}, "captions": {"type": "integer"}, "tags": {"type": "integer"},
      "objects": {"type": "integer"}, "ocr": {"type": "integer"}, "errors": {"type": "integer"},
      "derived": {"type": "integer"}, "sources": {"type": "object"}, "failures": {"type": "array"}
    },
    "required": ["processed", "errors"]
  })");
  t.read_only = false;
  t.handler = [](Engine& e, const ToolArgs& args) -> Result<ToolOutput> {
    FactsExtractOptions o;
    QIMG_ASSIGN_OR_RETURN(o.identifiers, args.StringList("ids"));
    auto flag = [&args](const char* name, bool* out) -> Status {
      QIMG_ASSIGN_OR_RETURN(auto v, args.Bool(name));
      *out = v.value_or(false);
      return Status::Ok();
    };
    QIMG_RETURN_IF_ERROR(flag("caption", &o.caption));
    QIMG_RETURN_IF_ERROR(flag("tags", &o.tags));
    QIMG_RETURN_IF_ERROR(flag("objects", &o.objects));
    QIMG_RETURN_IF_ERROR(flag("ocr", &o.ocr));
    QIMG_RETURN_IF_ERROR(flag("derived", &o.derived));
    QIMG_ASSIGN_OR_RETURN(FactsExtractStats stats, e.ExtractFacts(o));
    ToolOutput out;
    out.value = FactsExtractJson(stats);
    return out;
  };
  return t;
}

}  // namespace qimg::mcp
