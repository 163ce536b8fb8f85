// Logging goes to stderr, never to stdout: stdout belongs to results (--json, --files, MCP
// stdio). The level is process-wide and set once by the CLI (-v).
#pragma once

#include <string>

namespace qimg {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Writes "qimg: <level>: message" to stderr when level >= the process level. Thread-safe.
void Log(LogLevel level, const std::string& message);

inline void LogDebug(const std::string& m) { Log(LogLevel::kDebug, m); }
inline void LogInfo(const std::string& m) { Log(LogLevel::kInfo, m); }
inline void LogWarning(const std::string& m) { Log(LogLevel::kWarning, m); }
inline void LogError(const std::string& m) { Log(LogLevel::kError, m); }

}  // namespace qimg
