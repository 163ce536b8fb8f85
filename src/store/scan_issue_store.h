// Files that matched a collection's mask but could not be indexed (unreadable, not an image,
// over the pixel limit, …), with the reason. They are recorded, reported and retried when
// they change; they never become assets.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/database.h"

namespace qimg {

struct ScanIssueRow {
  int64_t collection_id = 0;
  std::string collection;
  std::string rel_path;
  std::string abs_path;
  std::string reason;
  int64_t size = 0;
  double mtime = 0;
  std::string updated_at;
};

Status UpsertScanIssue(Database* db, const ScanIssueRow& row);
Status DeleteScanIssue(Database* db, int64_t collection_id, const std::string& rel_path);
// Issues of one collection keyed by rel_path.
Result<std::map<std::string, ScanIssueRow>> LoadScanIssues(Database* db, int64_t collection_id);
// Every issue, ordered by collection name and path.
Result<std::vector<ScanIssueRow>> ListScanIssues(Database* db);

}  // namespace qimg
