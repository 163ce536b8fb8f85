// EXIF / XMP / IPTC through exiv2 (the only place in qimg that uses exiv2), normalised into one
// record for facts and filters. Every string is valid UTF-8 (invalid bytes become U+FFFD),
// trimmed, and without trailing NULs; fields absent from the file stay nullopt / empty.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace qimg {

struct ImageMetadata {
  // Local wall-clock capture time "YYYY-MM-DDTHH:MM:SS" (no zone). First valid of: EXIF
  // DateTimeOriginal, EXIF DateTimeDigitized, XMP exif:DateTimeOriginal, XMP photoshop:DateCreated,
  // XMP xmp:CreateDate, IPTC DateCreated+TimeCreated, EXIF IFD0 DateTime (a modify time, so last).
  std::optional<std::string> capture_time;
  // Zone of capture_time as "+HH:MM" when the file says (EXIF OffsetTimeOriginal, then
  // OffsetTimeDigitized / OffsetTime matching the chosen tag, or the XMP date's own offset).
  std::optional<std::string> offset_time;
  std::optional<std::string> make;
  std::optional<std::string> model;
  // EXIF LensModel, else XMP aux:Lens / exifEX:LensModel, else EXIF LensMake.
  std::optional<std::string> lens;
  std::optional<std::string> exposure_time;   // "1/250", "0.5", "2" (reduced rational)
  std::optional<double> exposure_seconds;     // 0.004
  std::optional<double> f_number;             // 2.8
  std::optional<int> iso;                     // ISOSpeedRatings / PhotographicSensitivity
  std::optional<double> focal_length_mm;      // as recorded (not 35 mm equivalent)
  std::optional<int> orientation;             // EXIF 1-8 when present and valid
  std::optional<double> gps_latitude;         // signed decimal degrees (S negative)
  std::optional<double> gps_longitude;        // signed decimal degrees (W negative)
  std::optional<double> gps_altitude;         // metres, negative below sea level (AltitudeRef 1)
  std::optional<std::string> software;
  // EXIF Artist, else XMP dc:creator (joined with "; "), else IPTC By-line.
  std::optional<std::string> artist;
  // EXIF Copyright, else XMP dc:rights, else IPTC CopyrightNotice.
  std::optional<std::string> copyright;
  // XMP dc:description, else IPTC Caption-Abstract, else EXIF ImageDescription: the first two
  // are what photo managers (Lightroom, digiKam, Photos) write; ImageDescription is often a
  // camera's placeholder ("OLYMPUS DIGITAL CAMERA") so it comes last. Placeholders (all-caps
  // "... DIGITAL CAMERA", and "x-default" leaked from a broken XMP language tag) are ignored.
  std::optional<std::string> description;
  // XMP dc:title, else IPTC ObjectName.
  std::optional<std::string> title;
  // XMP dc:subject, then IPTC Keywords, then sidecar dc:subject: de-duplicated exactly
  // (case-sensitive), first occurrence's order kept.
  std::vector<std::string> keywords;
  std::optional<int> rating;                  // XMP xmp:Rating (-1..5), else EXIF Rating
  // Where values came from, for provenance: any of "exif", "xmp", "iptc", "sidecar".
  std::vector<std::string> sources;

  bool empty() const { return sources.empty(); }
};

// Reads metadata embedded in the image at `path` (JPEG, PNG, WebP, TIFF, HEIF/AVIF, GIF...) and
// from an XMP sidecar "<path>.xmp" or "<dir>/<stem>.xmp" when one exists (the first found; its
// values fill fields the file itself lacks, and its keywords are appended).
// Success with an empty record when the file has no metadata or exiv2 cannot parse its container
// (metadata is optional: a decodable image without readable EXIF is not an error).
// Malformed EXIF (IFD loops, absurd counts, garbage rationals) yields the fields that did parse.
// Errors: only those of opening the file (NotFound, IoError, InvalidArgument for a directory,
// ResourceExhausted for a file > kMaxImageFileBytes), same rules as ProbeImage: never opens a FIFO
// or device.
Result<ImageMetadata> ReadMetadata(const std::string& path);

// Parses an XMP packet (e.g. a sidecar's contents) into the same record ("xmp" source).
// Corrupt when the text is not parseable XMP.
Result<ImageMetadata> ParseXmpPacket(const std::string& xmp);

// The record as a JSON object with a fixed key order (the field order above); absent fields are
// omitted, keywords/sources omitted when empty. Stored as the value of the exif fact.
nlohmann::ordered_json ToJson(const ImageMetadata& metadata);

}  // namespace qimg
