// Collections: named roots with a glob mask (SPEC §4.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/database.h"

namespace qimg {

struct CollectionRow {
  int64_t id = 0;
  std::string name;
  std::string root_path;
  std::string mask;
  std::string created_at;
};

// AlreadyExists when the name is taken.
Result<CollectionRow> InsertCollection(Database* db, const std::string& name,
                                       const std::string& root_path, const std::string& mask);
// Ordered by name.
Result<std::vector<CollectionRow>> ListCollections(Database* db);
// nullopt when no collection has that name.
Result<std::optional<CollectionRow>> FindCollection(Database* db, const std::string& name);
// Renames and moves the contexts under qimg://old[/...] to qimg://new[/...]. NotFound for an
// unknown old name, AlreadyExists when new is taken. Caller re-materialises the affected assets.
Status RenameCollection(Database* db, const std::string& old_name, const std::string& new_name);
// Deletes the collection; cascades remove its assets and their facts, vectors and links.
// Contexts under qimg://name stay: they are the user's notes.
Status DeleteCollection(Database* db, int64_t id);

}  // namespace qimg
