// Timestamps. Stored timestamps are UTC ISO-8601 with "+00:00", microseconds omitted when zero
// (Python isoformat, SPEC §3.4), so they order correctly as strings.
#pragma once

#include <optional>
#include <string>

namespace qimg {

// Current time as stored in created_at / updated_at.
std::string NowIso();
// Seconds since the epoch as a double.
double NowSeconds();
// "2024-05-01T10:20:30" (local wall-clock time, no offset) for an epoch time.
std::string LocalIsoFromEpoch(double seconds);

// A day or date-time the user typed for --after / --before: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]"
// or with a space instead of T. Returns a local wall-clock "YYYY-MM-DDTHH:MM:SS" bound: for a
// bare day, the first second of the day (after) or the last second of the day (before), so
// both bounds are inclusive of whole days. nullopt when the text is not such a date.
std::optional<std::string> ParseDateBound(const std::string& text, bool upper);

// EXIF "YYYY:MM:DD HH:MM:SS" -> "YYYY-MM-DDTHH:MM:SS"; nullopt when malformed or all zeros.
std::optional<std::string> ExifDateToIso(const std::string& exif);

}  // namespace qimg
