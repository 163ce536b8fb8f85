// Deterministic query expansion for `qimg query` (SPEC §9.2 with §15 items 5-6 fixed).
//
// The original appended fixed words ("objects subjects details") to the query; FTS5 ANDs query
// words, so those strings almost never matched lexically and carried no meaning. The default
// mode here adds meaning instead:
//   * lexical side: one sub-query per alternative word, the query's keywords with ONE keyword
//     replaced by a WordNet synonym/hypernym or a tag-vocabulary concept tied to it. Each
//     sub-query is its own ranked list, so the alternatives are OR-ed through fusion while each
//     list still ANDs its words ("red automobile" -> "red car", "red auto", ...).
//   * image side: CLIP prompt templates ("a photo of {q}." ...) whose text embeddings are
//     averaged into one query vector (the usual CLIP prompt ensemble).
// Everything is a pure function of the query, the WordNet files and the vocabulary, so two
// calls always give the same expansion.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "search/wordnet.h"

namespace qimg {

enum class ExpansionMode {
  kWordnet,   // synonyms/hypernyms + tag vocabulary (lexical), prompt ensemble (image)
  kOriginal,  // SPEC §9.2's three fixed-word templates, each run through every channel
  kNone,      // the query alone
};

// "wordnet" | "original" | "none" (the config/CLI spelling); nullopt for anything else.
std::optional<ExpansionMode> ParseExpansionMode(const std::string& text);
const char* ExpansionModeName(ExpansionMode mode);

// SPEC §9.2 keywords: lowercased ASCII alphanumeric tokens, stopwords and 1-char tokens dropped,
// de-duplicated in order, at most 10.
std::vector<std::string> QueryKeywords(const std::string& query);

// SPEC §9.2's templates: up to n distinct candidates, none equal to the query.
std::vector<std::string> OriginalExpansions(const std::string& query, int n);

// SPEC §9.3: (bias_ctx, bias_facts) of a lexical sub-query.
std::pair<double, double> LexicalChannelBias(const std::string& subquery);

// The tag vocabulary seen from WordNet: for a word, the vocabulary concepts it names or is a
// synonym/hypernym of ("automobile" -> "car"; "canine" -> "dog"). Built once from the labels.
class VocabularyIndex {
 public:
  // wordnet may be null: then only exact label matches are known.
  VocabularyIndex(const std::vector<std::string>& labels, const Wordnet* wordnet);
  bool Contains(const std::string& label) const { return labels_.count(label) > 0; }
  // Concepts tied to the word, in vocabulary order; never the word itself.
  std::vector<std::string> ConceptsFor(const std::string& word) const;

 private:
  std::map<std::string, size_t> labels_;                     // label -> vocabulary position
  std::map<std::string, std::vector<std::string>> related_;  // word -> concepts
};

struct SubQuery {
  std::string text;
  double weight = 1.0;  // 2.0 for the original query, 1.0 for expansions (SPEC §9.4)
  bool lexical = true;  // run through the lexical channel
  bool vector = true;   // run through the vector channels
};

struct ExpandedQuery {
  std::vector<SubQuery> subqueries;  // the original query first
  // Texts whose image-model embeddings are averaged for the first sub-query's image channel;
  // empty: the sub-query's own text.
  std::vector<std::string> image_prompts;
};

struct ExpansionLimits {
  int expansions = 2;         // search.query_expansions: original-mode templates
  int lexical_expansions = 4; // wordnet mode: alternative-word sub-queries
};

// wordnet and vocabulary may be null (WordNet not installed): wordnet mode then keeps only
// the prompt ensemble and exact vocabulary matches.
ExpandedQuery ExpandQuery(const std::string& query, ExpansionMode mode,
                          const ExpansionLimits& limits, const Wordnet* wordnet,
                          const VocabularyIndex* vocabulary);

// The CLIP prompt templates ("{q}" is replaced by the query).
const std::vector<std::string>& ImagePromptTemplates();

}  // namespace qimg
