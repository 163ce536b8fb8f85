#include "base/time_util.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace qimg {

std::string NowIso() {
  auto now = std::chrono::system_clock::now();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  time_t secs = static_cast<time_t>(us / 1000000);
  long micros = static_cast<long>(us % 1000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  if (micros == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d+00:00", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld+00:00", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
  }
  return buf;
}

double NowSeconds() {
  auto now = std::chrono::system_clock::now();
  return std::chrono::duration<double>(now.time_since_epoch()).count();
}

std::string LocalIsoFromEpoch(double seconds) {
  time_t secs = static_cast<time_t>(seconds);
  struct tm tm;
  localtime_r(&secs, &tm);
  char buf[80];  // room for any int the compiler can imagine (-Wformat-truncation)
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

namespace {
bool ValidDate(int y, int m, int d) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int max = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
  return d <= max;
}
}  // namespace

std::optional<std::string> ParseDateBound(const std::string& text, bool upper) {
  int y, mo, d, h = 0, mi = 0, s = 0;
  char sep = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3) return std::nullopt;
  if (consumed != 10) return std::nullopt;
  if (!ValidDate(y, mo, d)) return std::nullopt;
  char buf[80];  // room for any int the compiler can imagine (-Wformat-truncation)
  if (text.size() == 10) {
    if (upper) h = 23, mi = 59, s = 59;
  } else {
    sep = text[10];
    if (sep != 'T' && sep != ' ') return std::nullopt;
    int c2 = 0;
    std::string rest = text.substr(11);
    if (std::sscanf(rest.c_str(), "%2d:%2d:%2d%n", &h, &mi, &s, &c2) == 3 &&
        c2 == static_cast<int>(rest.size())) {
    } else if (std::sscanf(rest.c_str(), "%2d:%2d%n", &h, &mi, &c2) == 2 &&
               c2 == static_cast<int>(rest.size())) {
      s = upper ? 59 : 0;
    } else {
      return std::nullopt;
    }
    if (h > 23 || mi > 59 || s > 59 || h < 0 || mi < 0 || s < 0) return std::nullopt;
  }
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
  return std::string(buf);
}

std::optional<std::string> ExifDateToIso(const std::string& exif) {
  int y, mo, d, h = 0, mi = 0, s = 0;
  int n = std::sscanf(exif.c_str(), "%4d:%2d:%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s);
  if (n < 3) n = std::sscanf(exif.c_str(), "%4d-%2d-%2d%*c%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s);
  if (n < 3 || !ValidDate(y, mo, d)) return std::nullopt;
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) return std::nullopt;
  char buf[80];  // room for any int the compiler can imagine (-Wformat-truncation)
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s > 59 ? 59 : s);
  return std::string(buf);
}

}  // namespace qimg
