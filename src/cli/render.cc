#include "cli/render.h"

#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "base/text.h"
#include "cli/terminal_preview.h"

namespace qimg {

using ojson = nlohmann::ordered_json;

bool UseColor() {
  if (std::getenv("NO_COLOR")) return false;
  const char* cc = std::getenv("CLICOLOR");
  if (cc && std::string(cc) == "0") return false;
  return ::isatty(STDOUT_FILENO) == 1;
}

namespace {

std::string Style(const std::string& text, const char* code, bool color) {
  if (!color) return text;
  return std::string("\033[") + code + "m" + text + "\033[0m";
}

// Control characters in file names or OCR text must not drive the terminal.
std::string Printable(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : SanitizeUtf8(s)) {
    if (c < 0x20 || c == 0x7f) out += (c == '\n' || c == '\t') ? ' ' : '?';
    else out += static_cast<char>(c);
  }
  return out;
}

std::string PyValue(const ojson& v) {
  if (v.is_null()) return "None";
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_number_float()) return FormatPyFloat(v.get<double>());
  if (v.is_number()) return v.dump();
  if (v.is_string()) return Printable(v.get<std::string>());
  return v.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string OptNum(const std::optional<double>& v) { return v ? FormatPyFloat(*v) : "None"; }

}  // namespace

std::string PrettyJson(const ojson& value) {
  return value.dump(2, ' ', true, ojson::error_handler_t::replace) + "\n";
}

std::string RenderObject(const ojson& object) {
  bool color = UseColor();
  std::ostringstream o;
  for (auto it = object.begin(); it != object.end(); ++it)
    o << Style(it.key(), "1", color) << ": " << PyValue(it.value()) << "\n";
  return o.str();
}

std::string RenderTable(const std::string& title, const std::vector<std::string>& columns,
                        const std::vector<std::vector<std::string>>& rows) {
  bool color = UseColor();
  std::vector<size_t> width(columns.size());
  for (size_t i = 0; i < columns.size(); ++i) width[i] = columns[i].size();
  auto cell_width = [](const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  };
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], cell_width(Printable(r[i])));
  std::ostringstream o;
  o << Style(title, "1", color) << "\n";
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    for (size_t i = 0; i < columns.size(); ++i) {
      std::string c = i < cells.size() ? Printable(cells[i]) : "";
      if (i + 1 < columns.size()) c += std::string(width[i] - cell_width(c) + 2, ' ');
      o << (header ? Style(c, "1", color) : c);
    }
    o << "\n";
  };
  line(columns, true);
  for (const auto& r : rows) line(r, false);
  return o.str();
}

std::string RenderResults(const std::vector<SearchResult>& results, OutputMode mode, bool debug,
                          bool preview) {
  if (mode == OutputMode::kJson) return PrettyJson(ResultsToJson(results));
  std::ostringstream o;
  if (mode == OutputMode::kFiles) {
    for (const auto& r : results) {
      std::vector<std::string> ctx;
      for (const auto& c : r.contexts) ctx.push_back(Printable(c.text));
      auto date = ResultDate(r);
      o << r.asset.id << "\t" << FormatFixed(r.scores.overall, 4) << "\t" << Printable(r.asset.abs_path)
        << "\t" << Join(ctx, "|") << "\t"
        << (r.asset.width && *r.asset.width ? std::to_string(*r.asset.width) : "") << "\t"
        << (r.asset.height && *r.asset.height ? std::to_string(*r.asset.height) : "") << "\t"
        << (date ? *date : "") << "\n";
    }
    return o.str();
  }
  bool color = UseColor();
  if (results.empty()) return Style("no results", "2", color) + "\n";
  int idx = 1;
  ImageProtocol protocol = preview ? DetectImageProtocol() : ImageProtocol::kNone;
  for (const auto& r : results) {
    o << InlineThumbnail(r.asset.abs_path, protocol);
    o << Style(std::to_string(idx++) + ".", "1;36", color) << " " << Style(r.asset.id, "1;35", color)
      << "  " << Style(FormatFixed(r.scores.overall, 3), "1;32", color) << "  "
      << Printable(r.asset.abs_path) << "\n";
    std::vector<std::string> ctx;
    for (size_t i = 0; i < r.contexts.size() && i < 2; ++i) ctx.push_back(Printable(r.contexts[i].text));
    o << "   " << Style("Context:", "1;34", color) << " " << (ctx.empty() ? "(none)" : Join(ctx, " | "))
      << "\n";
    o << "   " << Style("Caption:", "1;34", color) << " "
      << (r.facts.caption ? Printable(*r.facts.caption)
                          : "(no caption; run qimg facts extract --caption)")
      << "\n";
    auto date = ResultDate(r);
    auto camera = ResultCamera(r);
    if (date || camera) {
      std::vector<std::string> parts;
      if (date) parts.push_back(Printable(*date));
      if (camera) parts.push_back(Printable(*camera));
      o << "   " << Style("EXIF:", "1;33", color) << " " << Join(parts, " | ") << "\n";
    }
    if (debug) {
      const auto& s = r.scores;
      std::string line = "overall=" + FormatFixed(s.overall, 4) + " rrf=" + OptNum(s.rrf) +
                         " lex_total=" + OptNum(s.lexical_total) + " lex_nf=" +
                         OptNum(s.lexical_namefolder) + " lex_ctx=" + OptNum(s.lexical_context) +
                         " lex_facts=" + OptNum(s.lexical_facts) + " lex_ocr=" + OptNum(s.lexical_ocr) +
                         " vector=" + OptNum(s.vector) + " vec_image=" + OptNum(s.vector_image) +
                         " vec_ocr=" + OptNum(s.vector_ocr) + " rerank=" + OptNum(s.rerank);
      o << "   " << Style("Debug: " + line, "2", color) << "\n";
      if (!r.facts.objects.empty()) {  // detector labels (facts extract --objects)
        std::vector<std::string> objects;
        for (const auto& ob : r.facts.objects)
          objects.push_back(Printable(ob.label) + (ob.conf ? " " + FormatFixed(*ob.conf, 2) : ""));
        o << "   " << Style("Objects: " + Join(objects, ", "), "2", color) << "\n";
      }
      auto contrib = s.Contributions();
      if (!contrib.empty())
        o << "   " << Style("Channels: " + Join(contrib, ", "), "2", color) << "\n";
    }
  }
  return o.str();
}

}  // namespace qimg
