#include "store/database.h"

#include <sqlite3.h>

namespace qimg {
namespace {

Status SqliteError(sqlite3* db, const std::string& what) {
  std::string msg = what + ": " + (db ? sqlite3_errmsg(db) : "unknown sqlite error");
  int code = db ? sqlite3_errcode(db) : SQLITE_ERROR;
  if (code == SQLITE_CONSTRAINT) return Status::AlreadyExists(msg);
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) return Status::Corrupt(msg);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return Status::Unavailable(msg);
  if (code == SQLITE_IOERR || code == SQLITE_CANTOPEN || code == SQLITE_FULL ||
      code == SQLITE_READONLY)
    return Status::IoError(msg);
  return Status::Internal(msg);
}
}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const std::string& path, int busy_timeout_ms) {
  return OpenImpl(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                       busy_timeout_ms, true);
}

Result<std::unique_ptr<Database>> Database::OpenReadOnly(const std::string& path,
                                                         int busy_timeout_ms) {
  return OpenImpl(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, busy_timeout_ms, false);
}

Result<std::unique_ptr<Database>> Database::OpenImpl(const std::string& path, int flags,
                                                     int busy_timeout_ms, bool configure_wal) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = Status::IoError("cannot open database " + path + ": " +
                               (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close(db);
    return s;
  }
  sqlite3_busy_timeout(db, busy_timeout_ms);
  sqlite3_extended_result_codes(db, 0);
  std::unique_ptr<Database> holder(new Database(db, path));
  const char* pragmas = configure_wal
                            ? "PRAGMA foreign_keys=ON; PRAGMA journal_mode=WAL; "
                              "PRAGMA synchronous=NORMAL;"
                            : "PRAGMA foreign_keys=ON;";
  Status s = holder->Exec(pragmas);
  if (!s.ok()) return Status::Corrupt("cannot use database " + path + ": " + s.message());
  return holder;
}

Database::~Database() { sqlite3_close_v2(db_); }

Status Database::Exec(std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Status st = SqliteError(db_, "sql");
    return Status(st.code(), msg);
  }
  return Status::Ok();
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, "prepare");
  return Statement(db_, stmt);
}

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int Database::Changes() const { return sqlite3_changes(db_); }

void Database::Interrupt() { sqlite3_interrupt(db_); }

Result<int64_t> Database::QueryInt(std::string_view sql) {
  QIMG_ASSIGN_OR_RETURN(Statement st, Prepare(sql));
  QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no row");
  return st.ColumnInt(0);
}

bool Database::TableExists(const std::string& name) {
  auto st = Prepare("SELECT 1 FROM sqlite_master WHERE name = ?1 AND type IN ('table','view')");
  if (!st.ok()) return false;
  st->Bind(1, name);
  auto r = st->Step();
  return r.ok() && *r;
}

bool Database::ColumnExists(const std::string& table, const std::string& column) {
  auto st = Prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2");
  if (!st.ok()) return false;
  st->Bind(1, table).Bind(2, column);
  auto r = st->Step();
  return r.ok() && *r;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }
Statement::Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    o.stmt_ = nullptr;
  }
  return *this;
}

Statement& Statement::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Statement& Statement::Bind(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}
Statement& Statement::Bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::BindBlob(int i, const void* data, size_t size) {
  sqlite3_bind_blob(stmt_, i, data, static_cast<int>(size), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, "sql");
}

Status Statement::Run() {
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) break;
  }
  return Reset();
}

Status Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return Status::Ok();
}

bool Statement::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t Statement::ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::ColumnDouble(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Statement::ColumnText(int col) const {
  const unsigned char* t = sqlite3_column_text(stmt_, col);
  if (!t) return "";
  return std::string(reinterpret_cast<const char*>(t),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}
std::optional<std::string> Statement::ColumnOptText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return ColumnText(col);
}
std::optional<int64_t> Statement::ColumnOptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return ColumnInt(col);
}
std::optional<double> Statement::ColumnOptDouble(int col) const {
  if (IsNull(col)) return std::nullopt;
  return ColumnDouble(col);
}
std::string Statement::ColumnBlob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  if (!p || n <= 0) return "";
  return std::string(static_cast<const char*>(p), static_cast<size_t>(n));
}
int Statement::ColumnCount() const { return sqlite3_column_count(stmt_); }

Transaction::Transaction(Database* db) : db_(db) { begin_status_ = db_->Exec("BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
  if (!done_ && begin_status_.ok()) (void)db_->Exec("ROLLBACK");
}
Status Transaction::Commit() {
  if (!begin_status_.ok()) return begin_status_;
  Status s = db_->Exec("COMMIT");
  if (s.ok()) done_ = true;
  return s;
}

}  // namespace qimg
