#include "mcp/stdio_server.h"

#include <string>

#include "base/text.h"

namespace qimg::mcp {

int RunStdioServer(Dispatcher& dispatcher, std::FILE* in, std::FILE* out) {
  Session session;
  std::string line;
  for (;;) {
    line.clear();
    int c;
    while ((c = std::fgetc(in)) != EOF && c != '\n') line.push_back(static_cast<char>(c));
    if (c == EOF && line.empty()) break;
    std::string text = Trim(line);
    if (!text.empty()) {
      if (text == "quit" || text == "exit" || text == "shutdown") break;
      auto reply = dispatcher.HandleText(session, text);
      if (reply) {
        reply->push_back('\n');
        std::fwrite(reply->data(), 1, reply->size(), out);
        std::fflush(out);
      }
    }
    if (c == EOF) break;
  }
  return 0;
}

}  // namespace qimg::mcp
