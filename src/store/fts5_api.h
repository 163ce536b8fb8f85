// The FTS5 extension API of a connection, for the few places that register or call FTS5
// tokenizers and auxiliary functions directly (store/lexical_query.cc, store/fts_mirror.cc).
#pragma once

#include "base/status.h"
#include "store/database.h"

struct fts5_api;

namespace qimg {

// sqlite3_bind_pointer's documented way to reach the fts5_api of a connection. Internal error
// when FTS5 is not compiled in or is older than version 2 of the API.
Result<fts5_api*> ConnectionFts5Api(Database* db);

}  // namespace qimg
