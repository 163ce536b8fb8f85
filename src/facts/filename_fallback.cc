#include "facts/filename_fallback.h"

#include <set>

#include "base/text.h"

namespace qimg::facts {
namespace {

std::string Stem(const std::string& rel) {
  std::string name = rel.substr(rel.find_last_of('/') == std::string::npos ? 0 : rel.find_last_of('/') + 1);
  const size_t dot = name.find_last_of('.');
  if (dot != std::string::npos && dot > 0) name = name.substr(0, dot);
  return name;
}

}  // namespace

std::vector<ExtractedFact> FilenameTags(const std::string& rel_path) {
  const std::string rel = ReplaceAll(rel_path, "\\", "/");
  const size_t slash = rel.find_last_of('/');
  const std::string folder = slash == std::string::npos ? "" : rel.substr(0, slash);
  std::vector<ExtractedFact> out;
  std::set<std::string> seen;
  for (const std::string& t : AsciiTokens(folder + " " + Stem(rel))) {
    if (t.size() <= 2 || !seen.insert(t).second) continue;
    ExtractedFact f;
    f.fact_type = "tag";
    f.key = t;
    f.value_text = t;
    out.push_back(std::move(f));
    if (out.size() == 8) break;
  }
  return out;
}

ExtractedFact FilenameCaption(const std::string& rel_path) {
  std::string phrase = ReplaceAll(ReplaceAll(Stem(ReplaceAll(rel_path, "\\", "/")), "_", " "), "-", " ");
  std::string collapsed;
  for (const std::string& w : Split(phrase, ' ')) {
    if (Trim(w).empty()) continue;
    if (!collapsed.empty()) collapsed += ' ';
    collapsed += Trim(w);
  }
  if (collapsed.empty()) collapsed = "untitled image";
  ExtractedFact f;
  f.fact_type = "caption";
  f.value_text = "Image likely related to " + collapsed + ".";
  return f;
}

}  // namespace qimg::facts
