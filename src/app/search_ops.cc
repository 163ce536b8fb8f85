// Engine::Search: lexical retrieval + hydration. Kept apart from engine.cc so each retrieval
// mode (search, vsearch, query) has its own small file.
#include "app/engine.h"

namespace qimg {

Result<std::vector<SearchResult>> Engine::Search(const std::string& query,
                                                 LexicalSearchOptions options) {
  options.weights.namefolder = config_.search.w_namefolder;
  options.weights.context = config_.search.w_context;
  options.weights.facts = config_.search.w_facts;
  std::shared_ptr<const FtsMirror> mirror = CurrentLexicalMirror();
  options.mirror = mirror.get();
  QIMG_ASSIGN_OR_RETURN(std::vector<ScoredId> ids, LexicalSearch(db(), query, options));
  return Hydrate(db(), ids);
}

}  // namespace qimg
