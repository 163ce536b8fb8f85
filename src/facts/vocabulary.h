// The zero-shot tag vocabulary shipped with qimg: src/facts/vocabulary/<category>.txt, one
// concept per line ('#' starts a comment), compiled into the binary (vocabulary_data.cc is
// generated from the .txt files at build time).
#pragma once

#include <string>
#include <vector>

namespace qimg::facts {

struct Concept {
  std::string label;     // "golden retriever"
  std::string category;  // file name without .txt: "animals", "scenes", ...
};

// Every concept, categories in file-name order, de-duplicated by label (first wins).
const std::vector<Concept>& Vocabulary();
// SHA-256 of the labels and categories: part of the label-embedding cache key.
const std::string& VocabularyHash();
// Parses one file's text (exposed for tests).
std::vector<Concept> ParseVocabulary(const std::string& text, const std::string& category);

}  // namespace qimg::facts
