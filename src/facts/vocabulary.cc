#include "facts/vocabulary.h"

#include <set>

#include "base/hash.h"
#include "base/text.h"

namespace qimg::facts {

// Generated: {category, file text} for every vocabulary/*.txt, in file-name order.
struct VocabularyFile {
  const char* category;
  const char* text;
};
extern const VocabularyFile kVocabularyFiles[];
extern const int kVocabularyFileCount;

std::vector<Concept> ParseVocabulary(const std::string& text, const std::string& category) {
  std::vector<Concept> out;
  for (const std::string& raw : Split(text, '\n')) {
    std::string line = raw.substr(0, raw.find('#'));
    line = ToLowerAscii(Trim(line));
    if (!line.empty()) out.push_back({line, category});
  }
  return out;
}

const std::vector<Concept>& Vocabulary() {
  static const std::vector<Concept>* v = [] {
    auto* out = new std::vector<Concept>;
    std::set<std::string> seen;
    for (int i = 0; i < kVocabularyFileCount; ++i) {
      for (Concept& c : ParseVocabulary(kVocabularyFiles[i].text, kVocabularyFiles[i].category)) {
        if (seen.insert(c.label).second) out->push_back(std::move(c));
      }
    }
    return out;
  }();
  return *v;
}

const std::string& VocabularyHash() {
  static const std::string* h = [] {
    std::string all;
    for (const Concept& c : Vocabulary()) all += c.category + "\t" + c.label + "\n";
    return new std::string(Sha256Hex(all));
  }();
  return *h;
}

}  // namespace qimg::facts
