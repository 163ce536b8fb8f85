// Reads Debian's WordNet 3.0 database files directly (package wordnet-base,
// /usr/share/wordnet/{index,data}.{noun,verb,adj,adv}) for deterministic query expansion:
// synonyms from a word's most frequent senses and the hypernyms of its first sense.
// The files are memory-mapped read-only; lookups are binary searches over the sorted index.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace qimg {

struct WordnetExpansion {
  std::vector<std::string> synonyms;   // other lemmas of the top senses ("automobile" for car)
  std::vector<std::string> hypernyms;  // lemmas of the first sense's hypernyms ("motor vehicle")
};

class Wordnet {
 public:
  // Unavailable when the folder lacks index.noun/data.noun (wordnet-base not installed).
  static Result<std::unique_ptr<Wordnet>> Open(const std::string& dir = "/usr/share/wordnet");
  ~Wordnet();
  Wordnet(const Wordnet&) = delete;
  Wordnet& operator=(const Wordnet&) = delete;

  // Nouns first, then verbs and adjectives. Lemmas are lowercased with '_' turned into spaces;
  // the word itself is never included. max_senses bounds how many senses contribute synonyms.
  WordnetExpansion Expand(const std::string& word, int max_senses = 2, int max_synonyms = 4,
                          int max_hypernyms = 2) const;

 private:
  struct File;
  struct Pos;
  Wordnet() = default;
  std::vector<std::unique_ptr<Pos>> parts_;
};

}  // namespace qimg
