// JSON forms of the Engine's reports (status, scan issues, fact rows), shared by the CLI's
// --json output and the MCP tools so that both say exactly the same thing. Keys keep the
// documented order (SPEC §1.3, §6.5).
#pragma once

#include <nlohmann/json.hpp>

#include "app/engine.h"
#include "base/text.h"

namespace qimg {

inline nlohmann::ordered_json ScanIssueJson(const ScanIssueRow& r) {
  nlohmann::ordered_json o = nlohmann::ordered_json::object();
  o["collection"] = r.collection;
  o["rel_path"] = SanitizeUtf8(r.rel_path);
  o["abs_path"] = SanitizeUtf8(r.abs_path);
  o["reason"] = r.reason;
  return o;
}

// `status --json`; with_issues adds the list of files that could not be indexed.
inline nlohmann::ordered_json StatusJson(const StatusReport& r, bool with_issues) {
  using ojson = nlohmann::ordered_json;
  ojson o = ojson::object();
  o["collections"] = r.collections;
  o["assets_active"] = r.assets_active;
  o["assets_deleted"] = r.assets_deleted;
  o["contexts"] = r.contexts;
  o["facts"] = r.facts;
  o["vectors"] = r.vectors;
  o["lexical_docs"] = r.lexical_docs;
  o["fts_rows"] = r.fts_rows;
  o["vector_model"] = r.vector_model ? ojson(*r.vector_model) : ojson(nullptr);
  o["db_path"] = r.db_path;
  o["vector_dir"] = r.vector_dir;
  o["scan_issues"] = r.scan_issues;
  if (with_issues) {
    ojson issues = ojson::array();
    for (const auto& i : r.issues) issues.push_back(ScanIssueJson(i));
    o["issues"] = issues;
  }
  return o;
}

// One `facts ls --json` row; rel_path only when listing across assets.
inline nlohmann::ordered_json FactRowJson(const FactRow& f, bool with_rel_path) {
  using ojson = nlohmann::ordered_json;
  ojson o = ojson::object();
  o["id"] = f.id;
  o["asset_id"] = f.asset_id;
  if (with_rel_path) o["rel_path"] = SanitizeUtf8(f.rel_path);
  o["fact_type"] = f.fact_type;
  o["key"] = f.key ? ojson(*f.key) : ojson(nullptr);
  o["value_text"] = f.value_text ? ojson(*f.value_text) : ojson(nullptr);
  o["value_json"] = f.value_json ? ojson(*f.value_json) : ojson(nullptr);
  o["confidence"] = f.confidence ? ojson(*f.confidence) : ojson(nullptr);
  o["source"] = f.source;
  o["created_at"] = f.created_at;
  o["updated_at"] = f.updated_at;
  return o;
}

}  // namespace qimg
