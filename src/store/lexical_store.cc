#include "store/lexical_store.h"

#include "base/text.h"
#include "base/time_util.h"

namespace qimg {

std::string NameTokens(const std::string& text) {
  std::string out;
  bool in_word = false;
  for (unsigned char c : text) {
    bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c >= 0x80;
    if (word) {
      if (!in_word && !out.empty()) out += ' ';
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
      in_word = true;
    } else {
      in_word = false;
    }
  }
  return SanitizeUtf8(out);
}

Status RefreshLexical(Database* db, const std::vector<std::string>& asset_ids) {
  QIMG_ASSIGN_OR_RETURN(Statement get, db->Prepare(
      "SELECT rowid, rel_path, is_deleted FROM assets WHERE id = ?1"));
  QIMG_ASSIGN_OR_RETURN(Statement ctx, db->Prepare(
      "SELECT c.text FROM asset_context_effective e JOIN contexts c ON c.id = e.context_id "
      "WHERE e.asset_id = ?1 ORDER BY c.virtual_path"));
  QIMG_ASSIGN_OR_RETURN(Statement facts, db->Prepare(
      "SELECT fact_type, key, value_text FROM facts WHERE asset_id = ?1 "
      "AND fact_type IN ('caption','tag','object','ocr','derived') "
      "ORDER BY updated_at DESC, id DESC"));
  QIMG_ASSIGN_OR_RETURN(Statement put, db->Prepare(
      "INSERT INTO lexical_docs(asset_id, filename_tokens, folder_tokens, context_text, fact_text, "
      "context_only_text, facts_only_text, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
      "ON CONFLICT(asset_id) DO UPDATE SET filename_tokens = excluded.filename_tokens, "
      "folder_tokens = excluded.folder_tokens, context_text = excluded.context_text, "
      "fact_text = excluded.fact_text, context_only_text = excluded.context_only_text, "
      "facts_only_text = excluded.facts_only_text, updated_at = excluded.updated_at"));
  QIMG_ASSIGN_OR_RETURN(Statement del_doc, db->Prepare("DELETE FROM lexical_docs WHERE asset_id = ?1"));
  QIMG_ASSIGN_OR_RETURN(Statement del_fts, db->Prepare("DELETE FROM assets_fts WHERE rowid = ?1"));
  QIMG_ASSIGN_OR_RETURN(Statement ins_fts, db->Prepare(
      "INSERT INTO assets_fts(rowid, asset_id, filename_col, folder_col, context_col, facts_col) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  std::string now = NowIso();
  for (const auto& id : asset_ids) {
    get.Bind(1, id);
    QIMG_ASSIGN_OR_RETURN(bool found, get.Step());
    int64_t rowid = found ? get.ColumnInt(0) : 0;
    std::string rel = found ? get.ColumnText(1) : "";
    bool deleted = found && get.ColumnInt(2) != 0;
    QIMG_RETURN_IF_ERROR(get.Reset());
    if (!found) {
      del_doc.Bind(1, id);
      QIMG_RETURN_IF_ERROR(del_doc.Run());
      continue;
    }
    auto slash = rel.find_last_of('/');
    std::string filename = slash == std::string::npos ? rel : rel.substr(slash + 1);
    std::string folder = slash == std::string::npos ? "" : rel.substr(0, slash);
    std::string fname_tokens = NameTokens(filename);
    std::string folder_tokens = NameTokens(folder);
    std::vector<std::string> ctx_texts;
    ctx.Bind(1, id);
    for (;;) {
      QIMG_ASSIGN_OR_RETURN(bool row, ctx.Step());
      if (!row) break;
      ctx_texts.push_back(ctx.ColumnText(0));
    }
    QIMG_RETURN_IF_ERROR(ctx.Reset());
    std::vector<std::string> fact_texts;
    facts.Bind(1, id);
    for (;;) {
      QIMG_ASSIGN_OR_RETURN(bool row, facts.Step());
      if (!row) break;
      std::string type = facts.ColumnText(0);
      std::string value = Trim(facts.ColumnText(2));
      if ((type == "tag" || type == "object") && value.empty()) value = Trim(facts.ColumnText(1));
      if (!value.empty()) fact_texts.push_back(value);
    }
    QIMG_RETURN_IF_ERROR(facts.Reset());
    std::string context_text = Join(ctx_texts, " || ");
    std::string fact_text = Join(fact_texts, " || ");
    put.Bind(1, id).Bind(2, fname_tokens).Bind(3, folder_tokens).Bind(4, context_text);
    put.Bind(5, fact_text).Bind(6, ReplaceAll(context_text, "||", " "));
    put.Bind(7, ReplaceAll(fact_text, "||", " ")).Bind(8, now);
    QIMG_RETURN_IF_ERROR(put.Run());
    del_fts.Bind(1, rowid);
    QIMG_RETURN_IF_ERROR(del_fts.Run());
    if (!deleted) {
      ins_fts.Bind(1, rowid).Bind(2, id).Bind(3, fname_tokens).Bind(4, folder_tokens);
      ins_fts.Bind(5, context_text).Bind(6, fact_text);
      QIMG_RETURN_IF_ERROR(ins_fts.Run());
    }
  }
  return Status::Ok();
}

Status RebuildAllLexical(Database* db) {
  QIMG_RETURN_IF_ERROR(db->Exec("DELETE FROM assets_fts; DELETE FROM lexical_docs;"));
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare("SELECT id FROM assets ORDER BY rowid"));
  std::vector<std::string> ids;
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    ids.push_back(st.ColumnText(0));
  }
  return RefreshLexical(db, ids);
}

Result<int64_t> LexicalGeneration(Database* db) {
  return db->QueryInt("SELECT generation FROM lexical_state WHERE id = 1");
}

}  // namespace qimg
