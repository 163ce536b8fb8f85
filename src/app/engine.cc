#include "app/engine.h"

#include <algorithm>
#include <set>

#include "base/fs.h"
#include "base/glob.h"
#include "base/text.h"
#include "store/asset_id.h"
#include "store/lexical_store.h"
#include "store/schema.h"

namespace qimg {

Result<std::unique_ptr<Engine>> Engine::Open(const Config& config) {
  std::unique_ptr<Engine> e(new Engine(config));
  QIMG_RETURN_IF_ERROR(MakeDirs(DirName(config.db_path)));
  QIMG_ASSIGN_OR_RETURN(e->db_, Database::Open(config.db_path));
  auto report = MigrateDatabase(e->db_.get());
  if (!report.ok()) return report.status().WithContext("database " + config.db_path);
  return e;
}

Status Engine::RefreshDerived(const std::vector<std::string>& ids) {
  QIMG_RETURN_IF_ERROR(MaterializeContexts(db(), ids));
  return RefreshLexical(db(), ids);
}

Result<CollectionRow> Engine::AddCollection(const std::string& root, const std::string& name,
                                            const std::string& mask) {
  std::string n = Trim(name);
  if (n.empty()) return Status::InvalidArgument("collection name must not be empty");
  if (n.find('/') != std::string::npos || n.find_first_of(" \t\n") != std::string::npos)
    return Status::InvalidArgument("collection name '" + n + "' must not contain '/' or spaces");
  QIMG_RETURN_IF_ERROR(GlobMask::Compile(mask).status());
  std::string expanded = ExpandUser(root);
  FileStat st = StatPath(expanded);
  if (!st.exists) return Status::NotFound("collection root " + root + " does not exist");
  if (!st.is_dir) return Status::InvalidArgument("collection root " + root + " is not a directory");
  QIMG_ASSIGN_OR_RETURN(std::string real, RealPath(expanded));
  Transaction tx(db());
  QIMG_RETURN_IF_ERROR(tx.begin_status());
  QIMG_ASSIGN_OR_RETURN(CollectionRow row, InsertCollection(db(), n, real, mask));
  QIMG_RETURN_IF_ERROR(tx.Commit());
  return row;
}

Result<std::vector<CollectionRow>> Engine::ListCollections() { return qimg::ListCollections(db()); }

Status Engine::RenameCollection(const std::string& old_name, const std::string& new_name) {
  std::string n = Trim(new_name);
  if (n.empty() || n.find('/') != std::string::npos || n.find_first_of(" \t\n") != std::string::npos)
    return Status::InvalidArgument("collection name '" + new_name + "' must be non-empty without '/' or spaces");
  Transaction tx(db());
  QIMG_RETURN_IF_ERROR(tx.begin_status());
  QIMG_RETURN_IF_ERROR(qimg::RenameCollection(db(), old_name, n));
  QIMG_ASSIGN_OR_RETURN(auto ids, AssetsUnderVirtualPath(db(), "qimg://" + n));
  QIMG_RETURN_IF_ERROR(RefreshDerived(ids));
  return tx.Commit();
}

Result<int64_t> Engine::RemoveCollection(const std::string& name) {
  Transaction tx(db());
  QIMG_RETURN_IF_ERROR(tx.begin_status());
  QIMG_ASSIGN_OR_RETURN(auto row, FindCollection(db(), name));
  if (!row) return Status::NotFound("no collection named '" + name + "'");
  auto count_st = db()->Prepare("SELECT COUNT(*) FROM assets WHERE collection_id = ?1");
  if (!count_st.ok()) return count_st.status();
  count_st->Bind(1, row->id);
  QIMG_ASSIGN_OR_RETURN(bool has, count_st->Step());
  int64_t n = has ? count_st->ColumnInt(0) : 0;
  // FTS rows have no foreign key: drop them before the cascade removes the assets.
  QIMG_ASSIGN_OR_RETURN(Statement fts, db()->Prepare(
      "DELETE FROM assets_fts WHERE rowid IN (SELECT rowid FROM assets WHERE collection_id = ?1)"));
  fts.Bind(1, row->id);
  QIMG_RETURN_IF_ERROR(fts.Run());
  QIMG_RETURN_IF_ERROR(DeleteCollection(db(), row->id));
  QIMG_RETURN_IF_ERROR(tx.Commit());
  return n;
}

Result<ContextRow> Engine::AddContext(const std::string& vpath, const std::string& text) {
  QIMG_ASSIGN_OR_RETURN(std::string vp, NormalizeVirtualPath(vpath));
  if (Trim(text).empty()) return Status::InvalidArgument("context text must not be empty");
  Transaction tx(db());
  QIMG_RETURN_IF_ERROR(tx.begin_status());
  QIMG_ASSIGN_OR_RETURN(ContextRow row, UpsertContext(db(), vp, text));
  QIMG_ASSIGN_OR_RETURN(auto ids, AssetsUnderVirtualPath(db(), vp));
  QIMG_RETURN_IF_ERROR(RefreshDerived(ids));
  QIMG_RETURN_IF_ERROR(tx.Commit());
  return row;
}

Result<bool> Engine::RemoveContext(const std::string& vpath) {
  QIMG_ASSIGN_OR_RETURN(std::string vp, NormalizeVirtualPath(vpath));
  Transaction tx(db());
  QIMG_RETURN_IF_ERROR(tx.begin_status());
  QIMG_ASSIGN_OR_RETURN(bool removed, DeleteContext(db(), vp));
  if (removed) {
    QIMG_ASSIGN_OR_RETURN(auto ids, AssetsUnderVirtualPath(db(), vp));
    QIMG_RETURN_IF_ERROR(RefreshDerived(ids));
  }
  QIMG_RETURN_IF_ERROR(tx.Commit());
  return removed;
}

Result<std::vector<ContextRow>> Engine::ListContexts(const std::optional<std::string>& prefix) {
  std::optional<std::string> p;
  if (prefix) {
    QIMG_ASSIGN_OR_RETURN(std::string vp, NormalizeVirtualPath(*prefix));
    p = vp;
  }
  return qimg::ListContexts(db(), p);
}

Result<AssetRow> Engine::Resolve(const std::string& identifier) {
  std::string text = Trim(identifier);
  if (text.empty()) return Status::InvalidArgument("empty identifier");
  if (auto id = NormalizeIdInput(text)) {
    QIMG_ASSIGN_OR_RETURN(auto exact, GetAsset(db(), *id));
    if (exact) return *exact;
    // The original's integer form: "#a" means "#00000a".
    std::string hex = id->substr(1);
    if (hex.size() < 6) {
      QIMG_ASSIGN_OR_RETURN(auto legacy, GetAsset(db(), "#" + std::string(6 - hex.size(), '0') + hex));
      if (legacy) return *legacy;
    }
    if (static_cast<int>(hex.size()) >= kMinIdPrefixDigits) {
      QIMG_ASSIGN_OR_RETURN(auto ids, FindIdsByPrefix(db(), *id, 6));
      if (ids.size() == 1) {
        QIMG_ASSIGN_OR_RETURN(auto row, GetAsset(db(), ids[0]));
        if (row) return *row;
      } else if (ids.size() > 1) {
        return Status::InvalidArgument("id prefix " + *id + " is ambiguous: " +
                                       Join(std::vector<std::string>(ids.begin(), ids.begin() + std::min<size_t>(ids.size(), 5)), ", "));
      }
    }
  }
  QIMG_ASSIGN_OR_RETURN(auto by_path, FindAssetsByPath(db(), text));
  if (!by_path.empty()) return by_path[0];
  if (StartsWith(text, "qimg://")) {
    std::string body = text.substr(7);
    auto slash = body.find('/');
    std::string coll = slash == std::string::npos ? body : body.substr(0, slash);
    std::string rel = slash == std::string::npos ? "" : body.substr(slash + 1);
    QIMG_ASSIGN_OR_RETURN(auto row, FindAssetByVirtualPath(db(), coll, rel));
    if (row) return *row;
  }
  // A path given relative to the current directory.
  auto real = RealPath(ExpandUser(text));
  if (real.ok() && *real != text) {
    QIMG_ASSIGN_OR_RETURN(auto rows, FindAssetsByPath(db(), *real));
    if (!rows.empty()) return rows[0];
  }
  return Status::NotFound("no asset matches '" + text + "'");
}

Result<std::vector<FactRow>> Engine::ListFacts(const std::optional<std::string>& identifier) {
  if (!identifier || Trim(*identifier).empty()) return ListAllFacts(db());
  QIMG_ASSIGN_OR_RETURN(AssetRow a, Resolve(*identifier));
  return ListAssetFacts(db(), a.id);
}

Result<int> Engine::RemoveFacts(const std::string& source,
                                const std::optional<std::string>& identifier,
                                std::optional<std::string>* resolved_id) {
  if (Trim(source).empty()) return Status::InvalidArgument("--source must not be empty");
  std::optional<std::string> aid;
  if (identifier) {
    QIMG_ASSIGN_OR_RETURN(AssetRow a, Resolve(*identifier));
    aid = a.id;
  }
  if (resolved_id) *resolved_id = aid;
  Transaction tx(db());
  QIMG_RETURN_IF_ERROR(tx.begin_status());
  std::vector<std::string> affected;
  QIMG_ASSIGN_OR_RETURN(int n, DeleteFactsBySource(db(), source, aid, &affected));
  QIMG_RETURN_IF_ERROR(RefreshLexical(db(), affected));
  QIMG_RETURN_IF_ERROR(tx.Commit());
  return n;
}

Result<std::vector<SearchResult>> Engine::Get(const std::string& identifier) {
  QIMG_ASSIGN_OR_RETURN(AssetRow a, Resolve(identifier));
  ScoredId s;
  s.id = a.id;
  s.scores.overall = 1.0;
  return Hydrate(db(), {s});
}

Result<std::vector<SearchResult>> Engine::MultiGet(const std::vector<std::string>& identifiers,
                                                   const std::optional<std::string>& glob) {
  std::vector<ScoredId> ids;
  std::set<std::string> seen;
  auto push = [&](const std::string& id) {
    if (!seen.insert(id).second) return;
    ScoredId s;
    s.id = id;
    s.scores.overall = 1.0;
    ids.push_back(s);
  };
  if (glob) {
    QIMG_ASSIGN_OR_RETURN(Statement st, db()->Prepare(
        "SELECT id, abs_path, rel_path FROM assets WHERE is_deleted = 0 ORDER BY rowid"));
    for (;;) {
      QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      if (ShellPatternMatch(*glob, st.ColumnText(1)) || ShellPatternMatch(*glob, st.ColumnText(2)))
        push(st.ColumnText(0));
    }
  }
  for (const auto& ident : identifiers) {
    QIMG_ASSIGN_OR_RETURN(AssetRow a, Resolve(ident));
    push(a.id);
  }
  return Hydrate(db(), ids);
}

Result<StatusReport> Engine::GetStatus() {
  StatusReport r;
  auto count = [&](const char* sql) { return db()->QueryInt(sql).value_or(0); };
  r.collections = count("SELECT COUNT(*) FROM collections");
  r.assets_active = count("SELECT COUNT(*) FROM assets WHERE is_deleted = 0");
  r.assets_deleted = count("SELECT COUNT(*) FROM assets WHERE is_deleted = 1");
  r.contexts = count("SELECT COUNT(*) FROM contexts");
  r.facts = count("SELECT COUNT(*) FROM facts");
  r.vectors = count("SELECT COUNT(*) FROM vectors");
  r.lexical_docs = count("SELECT COUNT(*) FROM lexical_docs");
  r.fts_rows = count("SELECT COUNT(*) FROM assets_fts");
  r.scan_issues = count("SELECT COUNT(*) FROM scan_issues");
  QIMG_ASSIGN_OR_RETURN(Statement st, db()->Prepare(
      "SELECT model_id FROM vectors GROUP BY model_id ORDER BY COUNT(*) DESC, model_id LIMIT 1"));
  QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
  if (row) r.vector_model = st.ColumnText(0);
  r.db_path = config_.db_path;
  r.vector_dir = config_.vector_dir;
  QIMG_ASSIGN_OR_RETURN(r.issues, ListScanIssues(db()));
  return r;
}

Result<CleanupStats> Engine::Cleanup() {
  CleanupStats c;
  Transaction tx(db());
  QIMG_RETURN_IF_ERROR(tx.begin_status());
  auto run = [&](const char* sql) -> Result<int64_t> {
    QIMG_RETURN_IF_ERROR(db()->Exec(sql));
    return static_cast<int64_t>(db()->Changes());
  };
  QIMG_ASSIGN_OR_RETURN(c.orphan_fts_rows, run(
      "DELETE FROM assets_fts WHERE rowid NOT IN (SELECT rowid FROM assets WHERE is_deleted = 0)"));
  QIMG_ASSIGN_OR_RETURN(c.deleted_assets, run("DELETE FROM assets WHERE is_deleted = 1"));
  QIMG_ASSIGN_OR_RETURN(c.orphan_context_links, run(
      "DELETE FROM asset_context_effective WHERE asset_id NOT IN (SELECT id FROM assets) "
      "OR context_id NOT IN (SELECT id FROM contexts)"));
  QIMG_ASSIGN_OR_RETURN(c.orphan_facts, run(
      "DELETE FROM facts WHERE asset_id NOT IN (SELECT id FROM assets)"));
  QIMG_ASSIGN_OR_RETURN(c.orphan_lexical_docs, run(
      "DELETE FROM lexical_docs WHERE asset_id NOT IN (SELECT id FROM assets)"));
  QIMG_ASSIGN_OR_RETURN(c.orphan_vectors, run(
      "DELETE FROM vectors WHERE asset_id NOT IN (SELECT id FROM assets)"));
  // Scan issues for files that no longer exist.
  QIMG_ASSIGN_OR_RETURN(auto issues, ListScanIssues(db()));
  QIMG_ASSIGN_OR_RETURN(Statement del, db()->Prepare(
      "DELETE FROM scan_issues WHERE collection_id = ?1 AND rel_path = ?2"));
  for (const auto& i : issues) {
    struct FileStat st = StatPath(i.abs_path);
    if (st.exists || st.is_symlink) continue;
    del.Bind(1, i.collection_id).Bind(2, i.rel_path);
    QIMG_RETURN_IF_ERROR(del.Run());
    ++c.stale_scan_issues;
  }
  QIMG_RETURN_IF_ERROR(tx.Commit());
  // Index files follow the table: rebuilt, and dropped for models without vectors.
  QIMG_RETURN_IF_ERROR(RepairVectorIndexes().status());
  return c;
}

}  // namespace qimg
