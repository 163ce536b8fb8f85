// The SQLite connection and statement wrappers: the only place that includes <sqlite3.h>.
// Every connection runs with WAL, foreign keys on and a busy timeout, so one writer and many
// readers (CLI, MCP server, web page) can share a database file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace qimg {

class Statement;

class Database {
 public:
  // Opens (creating if needed) the database at path. IoError when it cannot be opened or
  // is not a SQLite database. busy_timeout_ms applies to every statement.
  static Result<std::unique_ptr<Database>> Open(const std::string& path, int busy_timeout_ms = 10000);
  // Opens read-only; fails when the file does not exist.
  static Result<std::unique_ptr<Database>> OpenReadOnly(const std::string& path,
                                                        int busy_timeout_ms = 10000);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements without results.
  Status Exec(std::string_view sql);
  // Prepares one statement. Internal error (a bug) when the SQL is invalid.
  Result<Statement> Prepare(std::string_view sql);
  int64_t LastInsertRowId() const;
  int Changes() const;
  const std::string& path() const { return path_; }
  // Makes the statement running on this connection stop with an error soon; callable from
  // another thread while the connection is open (sqlite3_interrupt).
  void Interrupt();
  sqlite3* raw() { return db_; }

  // Single-value helpers for PRAGMAs and counts.
  Result<int64_t> QueryInt(std::string_view sql);
  bool TableExists(const std::string& name);
  bool ColumnExists(const std::string& table, const std::string& column);

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  static Result<std::unique_ptr<Database>> OpenImpl(const std::string& path, int flags,
                                                    int busy_timeout_ms, bool configure_wal);
  sqlite3* db_;
  std::string path_;
};

// A prepared statement. Bind indexes are 1-based, column indexes 0-based (SQLite's own rules).
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(Statement&& o) noexcept;
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int i, int64_t v);
  Statement& Bind(int i, int v) { return Bind(i, static_cast<int64_t>(v)); }
  Statement& Bind(int i, double v);
  Statement& Bind(int i, std::string_view v);
  Statement& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Statement& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Statement& BindBlob(int i, const void* data, size_t size);
  Statement& BindNull(int i);
  template <typename T>
  Statement& Bind(int i, const std::optional<T>& v) {
    if (v) return Bind(i, *v);
    return BindNull(i);
  }

  // Advances: true when a row is available, false when done. Errors carry SQLite's message.
  Result<bool> Step();
  // Steps to completion, for statements without rows.
  Status Run();
  Status Reset();

  bool IsNull(int col) const;
  int64_t ColumnInt(int col) const;
  double ColumnDouble(int col) const;
  std::string ColumnText(int col) const;
  std::optional<std::string> ColumnOptText(int col) const;
  std::optional<int64_t> ColumnOptInt(int col) const;
  std::optional<double> ColumnOptDouble(int col) const;
  std::string ColumnBlob(int col) const;
  int ColumnCount() const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE on construction (so a writer waits for the write lock up front instead of
// failing mid-way); ROLLBACK on destruction unless Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Database* db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  const Status& begin_status() const { return begin_status_; }
  Status Commit();

 private:
  Database* db_;
  Status begin_status_;
  bool done_ = false;
};

}  // namespace qimg
