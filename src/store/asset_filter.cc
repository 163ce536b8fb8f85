#include "store/asset_filter.h"

namespace qimg {

bool AssetFilter::IsEmpty() const {
  return !collection && !path_prefix && !captured_from && !captured_to && !min_width &&
         !min_height;
}

SqlCondition AssetFilterSql(const AssetFilter& f, int first_param) {
  SqlCondition c;
  c.sql = "a.is_deleted = 0";
  int n = first_param;
  auto add = [&](const std::string& sql_with_marker, SqlParam value) {
    // "?#" in the template is this parameter's number.
    std::string s = sql_with_marker;
    std::string mark = "?" + std::to_string(n);
    for (size_t pos; (pos = s.find("?#")) != std::string::npos;) s.replace(pos, 2, mark);
    c.sql += " AND " + s;
    c.params.push_back(std::move(value));
    ++n;
  };
  if (f.collection) add("c.name = ?#", *f.collection);
  // substr/length instead of LIKE: '_' and '%' in a folder name are ordinary characters, and
  // the comparison is case-sensitive like the file system (SPEC §15 item 14).
  if (f.path_prefix && !f.path_prefix->empty())
    add("substr(a.rel_path, 1, length(?#)) = ?#", *f.path_prefix);
  // Rows written before captured_at existed fall back to the mtime in local time, which is
  // what update stores when a file has no EXIF capture date.
  constexpr const char* kCaptured =
      "COALESCE(a.captured_at, strftime('%Y-%m-%dT%H:%M:%S', a.mtime, 'unixepoch', 'localtime'))";
  if (f.captured_from) add(std::string(kCaptured) + " >= ?#", *f.captured_from);
  if (f.captured_to) add(std::string(kCaptured) + " <= ?#", *f.captured_to);
  if (f.min_width) add("COALESCE(a.width, 0) >= ?#", *f.min_width);
  if (f.min_height) add("COALESCE(a.height, 0) >= ?#", *f.min_height);
  return c;
}

void BindSqlParams(Statement& st, const std::vector<SqlParam>& params, int first_param) {
  int i = first_param;
  for (const auto& p : params) {
    if (const auto* v = std::get_if<int64_t>(&p)) {
      st.Bind(i++, *v);
    } else {
      st.Bind(i++, std::get<std::string>(p));
    }
  }
}

Result<std::vector<std::string>> FilteredAssetIds(Database* db, const AssetFilter& filter) {
  SqlCondition cond = AssetFilterSql(filter, 1);
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT a.id FROM assets a JOIN collections c ON c.id = a.collection_id WHERE " + cond.sql +
      " ORDER BY a.rowid"));
  BindSqlParams(st, cond.params, 1);
  std::vector<std::string> ids;
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    ids.push_back(st.ColumnText(0));
  }
  return ids;
}

}  // namespace qimg
