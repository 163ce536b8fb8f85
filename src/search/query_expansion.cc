#include "search/query_expansion.h"

#include <algorithm>
#include <set>

#include "base/text.h"

namespace qimg {
namespace {

const std::set<std::string>& Stopwords() {
  static const std::set<std::string> kStop = {"a",  "an",   "the", "on",   "in",  "at",
                                              "with", "of", "for", "to",   "and", "or",
                                              "from", "by", "is",  "are", "this", "that"};
  return kStop;
}

// How many alternatives one keyword may contribute before others get their turn.
constexpr size_t kMaxAlternativesPerKeyword = 6;

// WordNet's index holds base forms only ("lemon", not "lemons"). A small subset of its
// morphological rules for nouns; the base form is also an alternative in its own right, since
// the index stores words as written.
std::string NounBaseForm(const std::string& w) {
  auto ends = [&](const char* suffix) { return EndsWith(w, suffix) && w.size() > std::string(suffix).size() + 2; };
  if (ends("ies")) return w.substr(0, w.size() - 3) + "y";
  if (ends("ches") || ends("shes") || ends("sses") || ends("xes")) return w.substr(0, w.size() - 2);
  if (ends("s") && !ends("ss") && !ends("us") && !ends("is")) return w.substr(0, w.size() - 1);
  return w;
}

struct Alternative {
  size_t keyword;
  std::string word;
};

// Takes alternatives round-robin over the keywords so one word with many synonyms cannot
// crowd out the others.
std::vector<Alternative> RoundRobin(const std::vector<std::vector<std::string>>& per_keyword) {
  std::vector<Alternative> out;
  for (size_t round = 0;; ++round) {
    bool any = false;
    for (size_t k = 0; k < per_keyword.size(); ++k) {
      if (round < per_keyword[k].size()) {
        out.push_back({k, per_keyword[k][round]});
        any = true;
      }
    }
    if (!any) break;
  }
  return out;
}

void ExpandWordnet(const std::string& query, const ExpansionLimits& limits, const Wordnet* wordnet,
                   const VocabularyIndex* vocabulary, ExpandedQuery* out) {
  for (const auto& t : ImagePromptTemplates()) out->image_prompts.push_back(ReplaceAll(t, "{q}", Trim(query)));
  if (limits.lexical_expansions <= 0) return;
  std::vector<std::string> keywords = QueryKeywords(query);
  // Per keyword: alternatives that are tag-vocabulary concepts (what the tagger writes, so
  // they can match facts) come first, then the remaining WordNet synonyms and hypernyms.
  std::vector<std::vector<std::string>> in_vocab(keywords.size()), other(keywords.size());
  for (size_t k = 0; k < keywords.size(); ++k) {
    std::set<std::string> seen(keywords.begin(), keywords.end());
    auto offer = [&](const std::string& w) {
      if (w.empty() || !seen.insert(w).second) return;
      bool vocab = vocabulary && vocabulary->Contains(w);
      auto& list = vocab ? in_vocab[k] : other[k];
      if (list.size() < kMaxAlternativesPerKeyword) list.push_back(w);
    };
    std::string base = NounBaseForm(keywords[k]);
    if (wordnet && base != keywords[k] && wordnet->Expand(keywords[k]).synonyms.empty()) {
      offer(base);
    } else {
      base = keywords[k];
    }
    if (vocabulary) {
      for (const auto& c : vocabulary->ConceptsFor(base)) offer(c);
    }
    if (wordnet) {
      WordnetExpansion e = wordnet->Expand(base);
      for (const auto& s : e.synonyms) offer(s);
      for (const auto& h : e.hypernyms) offer(h);
    }
  }
  std::vector<Alternative> order = RoundRobin(in_vocab);
  for (auto& a : RoundRobin(other)) order.push_back(std::move(a));
  std::set<std::string> texts = {ToLowerAscii(Trim(query)), Join(keywords, " ")};
  for (const auto& alt : order) {
    if (static_cast<int>(out->subqueries.size()) - 1 >= limits.lexical_expansions) break;
    std::vector<std::string> words = keywords;
    words[alt.keyword] = alt.word;
    std::string text = Join(words, " ");
    if (!texts.insert(text).second) continue;
    out->subqueries.push_back({text, 1.0, /*lexical=*/true, /*vector=*/false});
  }
}

}  // namespace

std::optional<ExpansionMode> ParseExpansionMode(const std::string& text) {
  std::string t = ToLowerAscii(Trim(text));
  if (t == "wordnet") return ExpansionMode::kWordnet;
  if (t == "original") return ExpansionMode::kOriginal;
  if (t == "none") return ExpansionMode::kNone;
  return std::nullopt;
}

const char* ExpansionModeName(ExpansionMode mode) {
  switch (mode) {
    case ExpansionMode::kWordnet: return "wordnet";
    case ExpansionMode::kOriginal: return "original";
    case ExpansionMode::kNone: return "none";
  }
  return "none";
}

std::vector<std::string> QueryKeywords(const std::string& query) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (auto& t : AsciiTokens(query)) {
    if (t.size() <= 1 || Stopwords().count(t) || !seen.insert(t).second) continue;
    out.push_back(t);
    if (out.size() == 10) break;
  }
  return out;
}

std::vector<std::string> OriginalExpansions(const std::string& query, int n) {
  std::string kw = Join(QueryKeywords(query), " ");
  const std::vector<std::string> candidates = {
      Trim(query + " objects subjects details " + kw),
      Trim(query + " style composition setting time period " + kw),
      Trim(query + " location scene lighting mood " + kw),
  };
  std::vector<std::string> out;
  for (const auto& c : candidates) {
    if (static_cast<int>(out.size()) >= n) break;
    if (c == query || std::find(out.begin(), out.end(), c) != out.end()) continue;
    out.push_back(c);
  }
  return out;
}

std::pair<double, double> LexicalChannelBias(const std::string& subquery) {
  static const std::set<std::string> kSpecific = {"object", "objects", "tag",     "tags",
                                                  "ocr",    "text",    "caption", "logo"};
  static const std::set<std::string> kBroad = {"style", "scene",  "mood",  "aesthetic", "vibe",
                                               "trip",  "family", "album", "collection"};
  std::vector<std::string> tokens;
  for (auto& t : Split(ToLowerAscii(ReplaceAll(subquery, "/", " ")), ' '))
    if (!Trim(t).empty()) tokens.push_back(Trim(t));
  for (const auto& t : tokens)
    if (kSpecific.count(t)) return {0.95, 1.25};
  if (tokens.size() <= 2) return {1.20, 0.95};
  for (const auto& t : tokens)
    if (kBroad.count(t)) return {1.20, 0.95};
  return {1.0, 1.0};
}

VocabularyIndex::VocabularyIndex(const std::vector<std::string>& labels, const Wordnet* wordnet) {
  for (size_t i = 0; i < labels.size(); ++i) labels_.emplace(labels[i], i);
  if (!wordnet) return;
  // One sense per concept: the vocabulary names everyday things, and rarer senses ("car" as a
  // railway car) would tie unrelated words to it.
  for (const auto& label : labels) {
    if (label.find(' ') != std::string::npos) continue;  // WordNet lemmas are single words here
    WordnetExpansion e = wordnet->Expand(label, /*max_senses=*/1, /*max_synonyms=*/6,
                                         /*max_hypernyms=*/2);
    for (const auto& w : e.synonyms) related_[w].push_back(label);
    for (const auto& w : e.hypernyms) related_[w].push_back(label);
  }
}

std::vector<std::string> VocabularyIndex::ConceptsFor(const std::string& word) const {
  std::vector<std::string> out;
  auto it = related_.find(word);
  if (it == related_.end()) return out;
  out = it->second;
  std::stable_sort(out.begin(), out.end(),
                   [&](const std::string& a, const std::string& b) { return labels_.at(a) < labels_.at(b); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  std::erase(out, word);
  return out;
}

const std::vector<std::string>& ImagePromptTemplates() {
  // The most useful of CLIP's ImageNet prompt ensemble, plus the bare query.
  static const std::vector<std::string> kTemplates = {
      "{q}", "a photo of {q}.", "a picture of {q}.", "an image of {q}.", "a close-up photo of {q}."};
  return kTemplates;
}

ExpandedQuery ExpandQuery(const std::string& query, ExpansionMode mode,
                          const ExpansionLimits& limits, const Wordnet* wordnet,
                          const VocabularyIndex* vocabulary) {
  ExpandedQuery out;
  out.subqueries.push_back({query, 2.0, true, true});
  switch (mode) {
    case ExpansionMode::kNone:
      break;
    case ExpansionMode::kOriginal:
      for (auto& e : OriginalExpansions(query, limits.expansions))
        out.subqueries.push_back({std::move(e), 1.0, true, true});
      break;
    case ExpansionMode::kWordnet:
      ExpandWordnet(query, limits, wordnet, vocabulary, &out);
      break;
  }
  return out;
}

}  // namespace qimg
