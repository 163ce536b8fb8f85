// Errors as values. Every operation that can fail on external input returns a Status or a
// Result<T>; nothing in qimg throws across a module boundary (DESIGN §8). Library exceptions
// are caught at the adapter that calls the library and turned into a Status there.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace qimg {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad user input (flags, ids, paths, config values)
  kNotFound,         // a named thing does not exist
  kAlreadyExists,    // a unique name is taken
  kIoError,          // the OS refused (open, read, write, stat)
  kCorrupt,          // a file or database row does not have the expected format
  kUnavailable,      // a model, runtime or service is missing
  kResourceExhausted,// a limit was hit (pixels, memory, time)
  kInternal,         // a bug or an unexpected library failure
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Corrupt(std::string m) { return {StatusCode::kCorrupt, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "message" alone: messages are written to be read by a person, the code is for callers.
  std::string ToString() const { return ok() ? std::string("ok") : message_; }
  // Returns a copy with "context: " prepended to the message.
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    if (std::get<Status>(v_).ok()) v_ = Status::Internal("Result constructed from an ok Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &std::get<T>(v_); }
  const T* operator->() const { return &std::get<T>(v_); }
  T& operator*() & { return std::get<T>(v_); }
  const T& operator*() const& { return std::get<T>(v_); }
  T value_or(T fallback) const& { return ok() ? std::get<T>(v_) : std::move(fallback); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace qimg

#define QIMG_CONCAT_INNER(a, b) a##b
#define QIMG_CONCAT(a, b) QIMG_CONCAT_INNER(a, b)

#define QIMG_RETURN_IF_ERROR(expr)              \
  do {                                          \
    ::qimg::Status qimg_status_ = (expr);       \
    if (!qimg_status_.ok()) return qimg_status_; \
  } while (0)

#define QIMG_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

// QIMG_ASSIGN_OR_RETURN(auto x, Foo()); declares x from Foo()'s value or returns its Status.
#define QIMG_ASSIGN_OR_RETURN(lhs, expr) \
  QIMG_ASSIGN_OR_RETURN_IMPL(QIMG_CONCAT(qimg_result_, __LINE__), lhs, expr)
