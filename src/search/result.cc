#include "search/result.h"

#include <algorithm>
#include <map>

#include "base/text.h"
#include "store/fact_store.h"

namespace qimg {

using ojson = nlohmann::ordered_json;

std::vector<std::string> ScoreBreakdown::Contributions() const {
  std::vector<std::string> out;
  auto add = [&](const std::optional<double>& v, const char* name) {
    if (v && *v != 0.0) out.push_back(name);
  };
  add(lexical_namefolder, "lexical:namefolder");
  add(lexical_context, "lexical:context");
  add(lexical_facts, "lexical:facts");
  add(lexical_ocr, "lexical:ocr");
  add(vector_image, "vector:image");
  add(vector_ocr, "vector:ocr");
  add(vector, "vector");
  if (rerank) out.push_back("rerank");
  return out;
}

Result<FactSummary> SummarizeFacts(Database* db, const std::string& asset_id) {
  QIMG_ASSIGN_OR_RETURN(auto facts, ListAssetFactsNewestFirst(db, asset_id));
  FactSummary s;
  std::map<std::string, size_t> tag_index, object_index;
  // Maps are filled newest first and a key is only set once, so the newest fact wins.
  auto merge = [](ojson* map, const FactRow& f) {
    if (f.value_json) {
      ojson parsed = ojson::parse(*f.value_json, nullptr, false);
      if (!parsed.is_discarded() && parsed.is_object()) {
        for (auto it = parsed.begin(); it != parsed.end(); ++it)
          if (!map->contains(it.key())) (*map)[it.key()] = it.value();
        return;
      }
    }
    if (f.key && f.value_text && !map->contains(*f.key)) (*map)[*f.key] = *f.value_text;
  };
  auto add_label = [](std::vector<LabelConf>* list, std::map<std::string, size_t>* index,
                      const FactRow& f) {
    std::string label = f.value_text ? Trim(*f.value_text) : "";
    if (label.empty() && f.key) label = Trim(*f.key);
    if (label.empty()) return;
    std::string k = ToLowerAscii(label);
    auto it = index->find(k);
    if (it == index->end()) {
      (*index)[k] = list->size();
      list->push_back({label, f.confidence, f.source});
    } else {
      auto& existing = (*list)[it->second];
      if (f.confidence && (!existing.conf || *f.confidence > *existing.conf)) existing.conf = f.confidence;
    }
  };
  for (const auto& f : facts) {
    if (f.fact_type == "caption") {
      if (!s.caption && f.value_text && !Trim(*f.value_text).empty()) s.caption = Trim(*f.value_text);
    } else if (f.fact_type == "ocr") {
      if (!s.ocr && f.value_text && !Trim(*f.value_text).empty()) s.ocr = Trim(*f.value_text);
    } else if (f.fact_type == "tag") {
      add_label(&s.tags, &tag_index, f);
    } else if (f.fact_type == "object") {
      add_label(&s.objects, &object_index, f);
    } else if (f.fact_type == "exif") {
      merge(&s.exif, f);
    } else if (f.fact_type == "derived") {
      merge(&s.derived, f);
    }
  }
  auto by_conf = [](const LabelConf& a, const LabelConf& b) {
    return a.conf.value_or(-1.0) > b.conf.value_or(-1.0);
  };
  std::stable_sort(s.tags.begin(), s.tags.end(), by_conf);
  std::stable_sort(s.objects.begin(), s.objects.end(), by_conf);
  if (s.tags.size() > 8) s.tags.resize(8);
  if (s.objects.size() > 8) s.objects.resize(8);
  return s;
}

Result<std::vector<SearchResult>> Hydrate(Database* db, const std::vector<ScoredId>& ids) {
  std::vector<std::string> plain;
  plain.reserve(ids.size());
  for (const auto& s : ids) plain.push_back(s.id);
  QIMG_ASSIGN_OR_RETURN(auto assets, GetAssets(db, plain));
  std::map<std::string, AssetRow*> by_id;
  for (auto& a : assets) by_id[a.id] = &a;
  std::vector<SearchResult> out;
  out.reserve(ids.size());
  for (const auto& s : ids) {
    auto it = by_id.find(s.id);
    if (it == by_id.end()) continue;
    SearchResult r;
    r.asset = *it->second;
    QIMG_ASSIGN_OR_RETURN(r.contexts, EffectiveContexts(db, s.id));
    QIMG_ASSIGN_OR_RETURN(r.facts, SummarizeFacts(db, s.id));
    r.scores = s.scores;
    out.push_back(std::move(r));
  }
  return out;
}

namespace {
std::optional<std::string> StringKey(const ojson& map, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    if (!map.contains(k)) continue;
    const auto& v = map[k];
    if (v.is_string()) return v.get<std::string>();
    if (!v.is_null()) return v.dump();
  }
  return std::nullopt;
}
ojson Opt(const std::optional<double>& v) { return v ? ojson(*v) : ojson(nullptr); }
ojson Labels(const std::vector<LabelConf>& list) {
  ojson arr = ojson::array();
  for (const auto& l : list) {
    ojson o = ojson::object();
    o["label"] = l.label;
    o["conf"] = Opt(l.conf);
    arr.push_back(o);
  }
  return arr;
}
}  // namespace

std::optional<std::string> ResultDate(const SearchResult& r) {
  return StringKey(r.facts.exif, {"capture_time", "datetime"});
}
std::optional<std::string> ResultCamera(const SearchResult& r) {
  return StringKey(r.facts.exif, {"model", "camera_model"});
}

ojson ResultToJson(const SearchResult& r) {
  ojson o = ojson::object();
  const AssetRow& a = r.asset;
  o["id"] = a.id;
  o["path"] = SanitizeUtf8(a.abs_path);
  o["rel_path"] = SanitizeUtf8(a.rel_path);
  o["collection"] = a.collection;
  ojson m = ojson::object();
  m["collection"] = a.collection;
  m["rel_path"] = SanitizeUtf8(a.rel_path);
  m["abs_path"] = SanitizeUtf8(a.abs_path);
  m["width"] = a.width ? ojson(*a.width) : ojson(nullptr);
  m["height"] = a.height ? ojson(*a.height) : ojson(nullptr);
  m["size"] = a.size;
  m["mtime"] = a.mtime;
  auto date = ResultDate(r);
  auto camera = ResultCamera(r);
  m["date"] = date ? ojson(*date) : ojson(nullptr);
  m["camera"] = camera ? ojson(*camera) : ojson(nullptr);
  o["metadata"] = m;
  ojson ctx = ojson::array();
  for (const auto& c : r.contexts) {
    ojson e = ojson::object();
    e["virtual_path"] = c.virtual_path;
    e["text"] = c.text;
    ctx.push_back(e);
  }
  o["contexts"] = ctx;
  ojson f = ojson::object();
  f["caption"] = r.facts.caption ? ojson(*r.facts.caption) : ojson(nullptr);
  f["tags"] = Labels(r.facts.tags);
  f["objects"] = Labels(r.facts.objects);
  f["ocr"] = r.facts.ocr ? ojson(*r.facts.ocr) : ojson(nullptr);
  f["exif"] = r.facts.exif;
  f["derived"] = r.facts.derived;
  o["facts"] = f;
  const ScoreBreakdown& s = r.scores;
  ojson sc = ojson::object();
  sc["overall"] = s.overall;
  sc["rrf"] = Opt(s.rrf);
  sc["lexical_total"] = Opt(s.lexical_total);
  sc["lexical_namefolder"] = Opt(s.lexical_namefolder);
  sc["lexical_context"] = Opt(s.lexical_context);
  sc["lexical_facts"] = Opt(s.lexical_facts);
  sc["lexical_ocr"] = Opt(s.lexical_ocr);
  sc["vector"] = Opt(s.vector);
  sc["vector_image"] = Opt(s.vector_image);
  sc["vector_ocr"] = Opt(s.vector_ocr);
  sc["rerank"] = Opt(s.rerank);
  sc["contributions"] = s.Contributions();
  o["scores"] = sc;
  return o;
}

ojson ResultsToJson(const std::vector<SearchResult>& results) {
  ojson arr = ojson::array();
  for (const auto& r : results) arr.push_back(ResultToJson(r));
  return arr;
}

}  // namespace qimg
