// Internal to media/: pure text parsing behind ReadMetadata (dates, offsets, rationals, XMP GPS
// coordinates), separate so it can be tested without files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace qimg::media_internal {

// "+02:00", "-0400", "Z" -> "+02:00" / "-04:00" / "+00:00"; nullopt when not an offset.
std::optional<std::string> NormaliseOffset(const std::string& text);

// Exposure time as photographers write it: "1/250" for <= 1/4 s (exiftool's rule), otherwise
// seconds without trailing zeros ("0.5", "2", "2.5"). num and den must be > 0.
std::string FormatExposure(int64_t num, int64_t den);

// "1/250", "8", "2.8", "28/10" -> {num, den}; nullopt on garbage or a zero denominator.
std::optional<std::pair<int64_t, int64_t>> ParseRationalText(const std::string& text);

// XMP date "YYYY[-MM[-DD[THH:MM[:SS[.fff]][zone]]]]" (also with ':' date separators) ->
// {"YYYY-MM-DDTHH:MM:SS", offset or ""}. Missing parts become 01 / 00. nullopt when malformed.
std::optional<std::pair<std::string, std::string>> ParseXmpDate(const std::string& text);

// XMP GPS coordinate "DDD,MM.mmk" or "DDD,MM,SSk" (k = N/S/E/W) or a plain signed decimal ->
// signed degrees; nullopt when malformed or |value| > limit.
std::optional<double> ParseXmpCoordinate(const std::string& text, double limit);

// IPTC DateCreated ("YYYYMMDD", "YYYY-MM-DD" or "YYYY:MM:DD") and TimeCreated ("HHMMSS+HHMM",
// "HH:MM:SS+HH:MM" or empty) -> {ISO local time, offset or ""}.
std::optional<std::pair<std::string, std::string>> ParseIptcDateTime(const std::string& date,
                                                                     const std::string& time);

}  // namespace qimg::media_internal

namespace qimg::media_internal {

// Fallback for XMP packets the XMP toolkit rejects (duplicate properties, missing rdf:about and
// other real-world breakage that exiftool tolerates): a forgiving scan for the few properties
// qimg uses. `qname` is "prefix:Name" as written in the packet (prefixes are not resolved).
// Simple values come from an attribute (qname="v") or element text; arrays/alternatives from
// their rdf:li items. XML entities are decoded. Empty when absent.
std::vector<std::string> ScanXmpValues(const std::string& packet, const std::string& qname);

}  // namespace qimg::media_internal
