// exiv2 0.27's headers use std::auto_ptr, deprecated since C++11; the warnings are about the
// library's API, not our code.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include "media/metadata.h"

#include <sys/mman.h>

#include <exiv2/exiv2.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>

#include "base/fs.h"
#include "base/text.h"
#include "base/time_util.h"
#include "media/image_file.h"
#include "media/vips_loader.h"
#include "media/media_init.h"
#include "media/metadata_parse.h"
#include "media/probe.h"

namespace qimg {
namespace {

using media_internal::ImageFile;

constexpr size_t kMaxText = 4000;              // longer strings are cut (garbage or abuse)
constexpr int64_t kMaxSidecarBytes = 16 << 20;  // an XMP sidecar is a few KB

// Valid UTF-8, no trailing NULs or spaces, bounded; nullopt when nothing is left.
std::optional<std::string> CleanText(const std::string& raw) {
  std::string s = raw;
  const size_t nul = s.find('\0');
  if (nul != std::string::npos) s.resize(nul);
  if (s.size() > kMaxText) s.resize(kMaxText);
  s = Trim(SanitizeUtf8(s));
  if (s.empty()) return std::nullopt;
  return s;
}

template <typename T>
void Fill(std::optional<T>& dst, const std::optional<T>& src) {
  if (!dst && src) dst = src;
}

void AddKeywords(std::vector<std::string>& dst, const std::vector<std::string>& src) {
  for (const auto& k : src) {
    if (std::find(dst.begin(), dst.end(), k) == dst.end()) dst.push_back(k);
  }
}

void AddSource(ImageMetadata& m, const char* source) {
  if (std::find(m.sources.begin(), m.sources.end(), source) == m.sources.end()) {
    m.sources.push_back(source);
  }
}

// ---- EXIF ---------------------------------------------------------------------------------

// Looked up by group and tag number, which is stable across exiv2 versions (names are not).
const Exiv2::Exifdatum* FindExif(const Exiv2::ExifData& exif, const char* group, uint16_t tag) {
  for (const auto& d : exif) {
    if (d.tag() == tag && d.groupName() == group) return &d;
  }
  return nullptr;
}

std::optional<std::string> ExifText(const Exiv2::ExifData& exif, const char* group, uint16_t tag) {
  const Exiv2::Exifdatum* d = FindExif(exif, group, tag);
  if (d == nullptr || d->count() == 0 || d->size() > static_cast<long>(kMaxText * 4)) return std::nullopt;
  try {
    return CleanText(d->toString());
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<int64_t> ExifInt(const Exiv2::ExifData& exif, const char* group, uint16_t tag) {
  const Exiv2::Exifdatum* d = FindExif(exif, group, tag);
  if (d == nullptr || d->count() == 0) return std::nullopt;
  try {
    if (d->typeId() == Exiv2::asciiString) {
      char* end = nullptr;
      std::string s = d->toString();
      long v = std::strtol(s.c_str(), &end, 10);
      if (end == s.c_str()) return std::nullopt;
      return v;
    }
    return static_cast<int64_t>(d->toLong(0));
  } catch (...) {
    return std::nullopt;
  }
}

// The n-th rational of a tag; nullopt when absent or the denominator is zero.
std::optional<Exiv2::Rational> ExifRational(const Exiv2::ExifData& exif, const char* group,
                                            uint16_t tag, long n = 0) {
  const Exiv2::Exifdatum* d = FindExif(exif, group, tag);
  if (d == nullptr || d->count() <= n) return std::nullopt;
  try {
    Exiv2::Rational r = d->toRational(n);
    if (r.second == 0) return std::nullopt;
    return r;
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<double> ExifReal(const Exiv2::ExifData& exif, const char* group, uint16_t tag) {
  auto r = ExifRational(exif, group, tag);
  if (!r) return std::nullopt;
  double v = double(r->first) / r->second;
  if (!std::isfinite(v) || v < 0) return std::nullopt;
  return v;
}

std::optional<double> ExifCoordinate(const Exiv2::ExifData& exif, uint16_t ref_tag,
                                     uint16_t value_tag, double limit) {
  double parts[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    const Exiv2::Exifdatum* d = FindExif(exif, "GPSInfo", value_tag);
    if (d == nullptr || d->count() <= i) {
      if (i == 0) return std::nullopt;
      break;  // degrees only, or degrees + minutes
    }
    Exiv2::Rational r;
    try {
      r = d->toRational(i);
    } catch (...) {
      return std::nullopt;
    }
    if (r.second == 0) {
      if (r.first != 0) return std::nullopt;
      continue;  // 0/0 is written for "unknown seconds"; count it as 0
    }
    parts[i] = double(r.first) / r.second;
  }
  double v = parts[0] + parts[1] / 60 + parts[2] / 3600;
  if (!std::isfinite(v) || v < 0 || v > limit) return std::nullopt;
  auto ref = ExifText(exif, "GPSInfo", ref_tag);
  if (ref && !ref->empty() && (ref->front() == 'S' || ref->front() == 'W' ||
                               ref->front() == 's' || ref->front() == 'w')) {
    v = -v;
  }
  return v;
}

std::optional<std::string> ExifDate(const Exiv2::ExifData& exif, const char* group, uint16_t tag) {
  auto text = ExifText(exif, group, tag);
  if (!text) return std::nullopt;
  return ExifDateToIso(*text);
}

struct ExifPart {
  ImageMetadata m;
  std::optional<std::string> modify_time;  // IFD0 DateTime: last resort for capture_time
  std::optional<std::string> modify_offset;
};

ExifPart FromExif(const Exiv2::ExifData& exif) {
  ExifPart p;
  ImageMetadata& m = p.m;
  if (exif.empty()) return p;
  if (auto t = ExifDate(exif, "Photo", 0x9003)) {
    m.capture_time = t;
    m.offset_time = media_internal::NormaliseOffset(ExifText(exif, "Photo", 0x9011).value_or(""));
  } else if (auto t2 = ExifDate(exif, "Photo", 0x9004)) {
    m.capture_time = t2;
    m.offset_time = media_internal::NormaliseOffset(ExifText(exif, "Photo", 0x9012).value_or(""));
  }
  p.modify_time = ExifDate(exif, "Image", 0x0132);
  p.modify_offset = media_internal::NormaliseOffset(ExifText(exif, "Photo", 0x9010).value_or(""));
  m.make = ExifText(exif, "Image", 0x010f);
  m.model = ExifText(exif, "Image", 0x0110);
  m.lens = ExifText(exif, "Photo", 0xa434);
  Fill(m.lens, ExifText(exif, "Photo", 0xa433));
  if (auto r = ExifRational(exif, "Photo", 0x829a)) {
    if (r->first > 0 && r->second > 0) {
      m.exposure_seconds = double(r->first) / r->second;
      m.exposure_time = media_internal::FormatExposure(r->first, r->second);
    }
  }
  m.f_number = ExifReal(exif, "Photo", 0x829d);
  if (auto iso = ExifInt(exif, "Photo", 0x8827); iso && *iso > 0 && *iso < 10000000) {
    m.iso = static_cast<int>(*iso);
  }
  m.focal_length_mm = ExifReal(exif, "Photo", 0x920a);
  if (auto o = ExifInt(exif, "Image", 0x0112); o && *o >= 1 && *o <= 8) {
    m.orientation = static_cast<int>(*o);
  }
  m.gps_latitude = ExifCoordinate(exif, 0x0001, 0x0002, 90);
  m.gps_longitude = ExifCoordinate(exif, 0x0003, 0x0004, 180);
  if (m.gps_latitude && m.gps_longitude) {
    if (auto alt = ExifReal(exif, "GPSInfo", 0x0006)) {
      auto ref = ExifInt(exif, "GPSInfo", 0x0005);
      m.gps_altitude = (ref && *ref == 1) ? -*alt : *alt;
    }
  } else {
    m.gps_latitude.reset();  // one coordinate alone is not a position
    m.gps_longitude.reset();
  }
  m.software = ExifText(exif, "Image", 0x0131);
  m.artist = ExifText(exif, "Image", 0x013b);
  m.copyright = ExifText(exif, "Image", 0x8298);
  m.description = ExifText(exif, "Image", 0x010e);
  if (auto r = ExifInt(exif, "Image", 0x4746); r && *r >= -1 && *r <= 5) {
    m.rating = static_cast<int>(*r);
  }
  return p;
}

bool HasAnyExifField(const ExifPart& p);

// ---- XMP ----------------------------------------------------------------------------------

const Exiv2::Xmpdatum* FindXmp(const Exiv2::XmpData& xmp, const std::string& key) {
  for (const auto& d : xmp) {
    if (d.key() == key) return &d;
  }
  return nullptr;
}

// Text of a simple property, or the "x-default" (else first) entry of a language alternative,
// or the first item of an array.
std::optional<std::string> XmpText(const Exiv2::XmpData& xmp, const std::string& key) {
  const Exiv2::Xmpdatum* d = FindXmp(xmp, key);
  if (d == nullptr || d->count() == 0) return std::nullopt;
  try {
    const Exiv2::Value& v = d->value();
    if (v.typeId() == Exiv2::langAlt) {
      const auto& alt = dynamic_cast<const Exiv2::LangAltValue&>(v);
      auto it = alt.value_.find("x-default");
      if (it == alt.value_.end()) it = alt.value_.begin();
      if (it == alt.value_.end()) return std::nullopt;
      return CleanText(it->second);
    }
    if (v.typeId() == Exiv2::xmpBag || v.typeId() == Exiv2::xmpSeq || v.typeId() == Exiv2::xmpAlt) {
      return CleanText(v.toString(0));
    }
    return CleanText(v.toString());
  } catch (...) {
    return std::nullopt;
  }
}

std::vector<std::string> XmpList(const Exiv2::XmpData& xmp, const std::string& key) {
  std::vector<std::string> out;
  const Exiv2::Xmpdatum* d = FindXmp(xmp, key);
  if (d == nullptr) return out;
  try {
    const Exiv2::Value& v = d->value();
    const long n = std::min<long>(v.count(), 10000);
    if (v.typeId() == Exiv2::xmpBag || v.typeId() == Exiv2::xmpSeq || v.typeId() == Exiv2::xmpAlt) {
      for (long i = 0; i < n; ++i) {
        if (auto s = CleanText(v.toString(i))) AddKeywords(out, {*s});
      }
    } else if (auto s = XmpText(xmp, key)) {
      out.push_back(*s);
    }
  } catch (...) {
  }
  return out;
}

ImageMetadata FromXmp(const Exiv2::XmpData& xmp) {
  ImageMetadata m;
  if (xmp.empty()) return m;
  for (const char* key : {"Xmp.exif.DateTimeOriginal", "Xmp.photoshop.DateCreated",
                          "Xmp.xmp.CreateDate", "Xmp.exif.DateTimeDigitized"}) {
    if (auto text = XmpText(xmp, key)) {
      if (auto date = media_internal::ParseXmpDate(*text)) {
        m.capture_time = date->first;
        if (!date->second.empty()) m.offset_time = date->second;
        break;
      }
    }
  }
  m.make = XmpText(xmp, "Xmp.tiff.Make");
  m.model = XmpText(xmp, "Xmp.tiff.Model");
  m.lens = XmpText(xmp, "Xmp.exifEX.LensModel");
  Fill(m.lens, XmpText(xmp, "Xmp.aux.Lens"));
  if (auto t = XmpText(xmp, "Xmp.exif.ExposureTime")) {
    if (auto r = media_internal::ParseRationalText(*t); r && r->first > 0 && r->second > 0) {
      m.exposure_seconds = double(r->first) / r->second;
      m.exposure_time = media_internal::FormatExposure(r->first, r->second);
    }
  }
  auto real = [&](const char* key) -> std::optional<double> {
    auto t = XmpText(xmp, key);
    if (!t) return std::nullopt;
    auto r = media_internal::ParseRationalText(*t);
    if (!r || r->second == 0) return std::nullopt;
    double v = double(r->first) / r->second;
    if (!std::isfinite(v) || v < 0) return std::nullopt;
    return v;
  };
  m.f_number = real("Xmp.exif.FNumber");
  m.focal_length_mm = real("Xmp.exif.FocalLength");
  if (auto t = XmpText(xmp, "Xmp.exif.ISOSpeedRatings")) {
    int iso = std::atoi(t->c_str());
    if (iso > 0) m.iso = iso;
  }
  if (auto t = XmpText(xmp, "Xmp.tiff.Orientation")) {
    int o = std::atoi(t->c_str());
    if (o >= 1 && o <= 8) m.orientation = o;
  }
  auto lat = XmpText(xmp, "Xmp.exif.GPSLatitude");
  auto lon = XmpText(xmp, "Xmp.exif.GPSLongitude");
  if (lat && lon) {
    m.gps_latitude = media_internal::ParseXmpCoordinate(*lat, 90);
    m.gps_longitude = media_internal::ParseXmpCoordinate(*lon, 180);
    if (!m.gps_latitude || !m.gps_longitude) {
      m.gps_latitude.reset();
      m.gps_longitude.reset();
    } else if (auto alt = real("Xmp.exif.GPSAltitude")) {
      auto ref = XmpText(xmp, "Xmp.exif.GPSAltitudeRef");
      m.gps_altitude = (ref && *ref == "1") ? -*alt : *alt;
    }
  }
  m.software = XmpText(xmp, "Xmp.xmp.CreatorTool");
  auto creators = XmpList(xmp, "Xmp.dc.creator");
  if (!creators.empty()) m.artist = Join(creators, "; ");
  m.copyright = XmpText(xmp, "Xmp.dc.rights");
  m.description = XmpText(xmp, "Xmp.dc.description");
  m.title = XmpText(xmp, "Xmp.dc.title");
  m.keywords = XmpList(xmp, "Xmp.dc.subject");
  if (auto t = XmpText(xmp, "Xmp.xmp.Rating")) {
    char* end = nullptr;
    double r = std::strtod(t->c_str(), &end);
    if (end != t->c_str() && r >= -1 && r <= 5) m.rating = static_cast<int>(std::lround(r));
  }
  AddSource(m, "xmp");
  return m;
}

// The same fields from a packet the XMP toolkit rejected, via the forgiving scanner.
ImageMetadata FromXmpScan(const std::string& packet) {
  using media_internal::ScanXmpValues;
  ImageMetadata m;
  auto first = [&](const char* qname) -> std::optional<std::string> {
    auto v = ScanXmpValues(packet, qname);
    if (v.empty()) return std::nullopt;
    return CleanText(v.front());
  };
  for (const char* key : {"exif:DateTimeOriginal", "photoshop:DateCreated", "xmp:CreateDate"}) {
    if (auto text = first(key)) {
      if (auto date = media_internal::ParseXmpDate(*text)) {
        m.capture_time = date->first;
        if (!date->second.empty()) m.offset_time = date->second;
        break;
      }
    }
  }
  m.make = first("tiff:Make");
  m.model = first("tiff:Model");
  m.lens = first("exifEX:LensModel");
  Fill(m.lens, first("aux:Lens"));
  auto lat = first("exif:GPSLatitude");
  auto lon = first("exif:GPSLongitude");
  if (lat && lon) {
    m.gps_latitude = media_internal::ParseXmpCoordinate(*lat, 90);
    m.gps_longitude = media_internal::ParseXmpCoordinate(*lon, 180);
    if (!m.gps_latitude || !m.gps_longitude) {
      m.gps_latitude.reset();
      m.gps_longitude.reset();
    }
  }
  m.software = first("xmp:CreatorTool");
  std::vector<std::string> creators;
  for (const auto& c : ScanXmpValues(packet, "dc:creator")) {
    if (auto t = CleanText(c)) creators.push_back(*t);
  }
  if (!creators.empty()) m.artist = Join(creators, "; ");
  m.copyright = first("dc:rights");
  m.description = first("dc:description");
  m.title = first("dc:title");
  for (const auto& k : ScanXmpValues(packet, "dc:subject")) {
    if (auto t = CleanText(k)) AddKeywords(m.keywords, {*t});
  }
  if (auto t = first("xmp:Rating")) {
    char* end = nullptr;
    double r = std::strtod(t->c_str(), &end);
    if (end != t->c_str() && r >= -1 && r <= 5) m.rating = static_cast<int>(std::lround(r));
  }
  AddSource(m, "xmp");
  return m;
}

// ---- IPTC ---------------------------------------------------------------------------------

ImageMetadata FromIptc(const Exiv2::IptcData& iptc) {
  ImageMetadata m;
  if (iptc.empty()) return m;
  std::optional<std::string> date, time;
  std::vector<std::string> bylines;
  for (const auto& d : iptc) {
    if (d.record() != 2) continue;  // Application2
    std::optional<std::string> text;
    try {
      if (d.size() > static_cast<long>(kMaxText * 4)) continue;
      text = CleanText(d.toString());
    } catch (...) {
      continue;
    }
    if (!text) continue;
    switch (d.tag()) {
      case 5: Fill(m.title, text); break;         // ObjectName
      case 25: AddKeywords(m.keywords, {*text}); break;  // Keywords (repeatable)
      case 55: Fill(date, text); break;           // DateCreated
      case 60: Fill(time, text); break;           // TimeCreated
      case 80: bylines.push_back(*text); break;   // By-line (repeatable)
      case 116: Fill(m.copyright, text); break;   // CopyrightNotice
      case 120: Fill(m.description, text); break; // Caption-Abstract
      default: break;
    }
  }
  if (!bylines.empty()) m.artist = Join(bylines, "; ");
  if (date) {
    if (auto parsed = media_internal::ParseIptcDateTime(*date, time.value_or(""))) {
      m.capture_time = parsed->first;
      if (!parsed->second.empty()) m.offset_time = parsed->second;
    }
  }
  AddSource(m, "iptc");
  return m;
}

// Text that looks like a description but says nothing: camera firmware placeholders
// ("OLYMPUS DIGITAL CAMERA") and a common XMP breakage where the language tag became the value.
bool IsPlaceholderDescription(const std::string& s) {
  if (s == "x-default") return true;
  if (!EndsWith(s, "DIGITAL CAMERA")) return false;
  return std::none_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

std::optional<std::string> Description(const std::optional<std::string>& s) {
  if (!s || IsPlaceholderDescription(*s)) return std::nullopt;
  return s;
}

// ---- merging ------------------------------------------------------------------------------

// Fills every field of dst that is still empty from src (keywords are appended).
void FillFrom(ImageMetadata& dst, const ImageMetadata& src, bool with_capture_time) {
  if (with_capture_time && !dst.capture_time && src.capture_time) {
    dst.capture_time = src.capture_time;
    dst.offset_time = src.offset_time;
  }
  Fill(dst.make, src.make);
  Fill(dst.model, src.model);
  Fill(dst.lens, src.lens);
  if (!dst.exposure_time && src.exposure_time) {
    dst.exposure_time = src.exposure_time;
    dst.exposure_seconds = src.exposure_seconds;
  }
  Fill(dst.f_number, src.f_number);
  Fill(dst.iso, src.iso);
  Fill(dst.focal_length_mm, src.focal_length_mm);
  Fill(dst.orientation, src.orientation);
  if (!dst.gps_latitude && src.gps_latitude) {
    dst.gps_latitude = src.gps_latitude;
    dst.gps_longitude = src.gps_longitude;
    dst.gps_altitude = src.gps_altitude;
  }
  Fill(dst.software, src.software);
  Fill(dst.artist, src.artist);
  Fill(dst.copyright, src.copyright);
  Fill(dst.description, src.description);
  Fill(dst.title, src.title);
  AddKeywords(dst.keywords, src.keywords);
  Fill(dst.rating, src.rating);
}

// Combines the parts with the precedence documented on ImageMetadata.
ImageMetadata Merge(ExifPart exif, ImageMetadata xmp, ImageMetadata iptc,
                    std::optional<ImageMetadata> sidecar) {
  exif.m.description = Description(exif.m.description);
  xmp.description = Description(xmp.description);
  iptc.description = Description(iptc.description);
  if (sidecar) sidecar->description = Description(sidecar->description);
  ImageMetadata m;
  // Capture time: EXIF original/digitized, XMP, sidecar, IPTC, then EXIF modify time.
  m.capture_time = exif.m.capture_time;
  m.offset_time = exif.m.offset_time;
  if (!m.capture_time && xmp.capture_time) {
    m.capture_time = xmp.capture_time;
    m.offset_time = xmp.offset_time;
  }
  if (!m.capture_time && sidecar && sidecar->capture_time) {
    m.capture_time = sidecar->capture_time;
    m.offset_time = sidecar->offset_time;
  }
  if (!m.capture_time && iptc.capture_time) {
    m.capture_time = iptc.capture_time;
    m.offset_time = iptc.offset_time;
  }
  if (!m.capture_time && exif.modify_time) {
    m.capture_time = exif.modify_time;
    m.offset_time = exif.modify_offset;
  }
  // Descriptive text: what people write (XMP, IPTC) before what cameras write (EXIF).
  m.description = xmp.description;
  Fill(m.description, iptc.description);
  Fill(m.description, exif.m.description);
  m.title = xmp.title;
  Fill(m.title, iptc.title);
  m.artist = exif.m.artist;
  Fill(m.artist, xmp.artist);
  Fill(m.artist, iptc.artist);
  m.copyright = exif.m.copyright;
  Fill(m.copyright, xmp.copyright);
  Fill(m.copyright, iptc.copyright);
  m.keywords = xmp.keywords;
  AddKeywords(m.keywords, iptc.keywords);
  m.rating = xmp.rating;
  // Camera fields: EXIF, then XMP's copies.
  FillFrom(m, exif.m, false);
  FillFrom(m, xmp, false);
  FillFrom(m, iptc, false);
  if (sidecar) FillFrom(m, *sidecar, false);
  if (HasAnyExifField(exif)) AddSource(m, "exif");
  if (!xmp.empty()) AddSource(m, "xmp");
  if (!iptc.empty()) AddSource(m, "iptc");
  if (sidecar && !sidecar->empty()) AddSource(m, "sidecar");
  return m;
}

bool HasAnyExifField(const ExifPart& p) {
  const ImageMetadata& m = p.m;
  return m.capture_time || p.modify_time || m.make || m.model || m.lens || m.exposure_time ||
         m.f_number || m.iso || m.focal_length_mm || m.orientation || m.gps_latitude ||
         m.software || m.artist || m.copyright || m.description || m.rating;
}

// A read-only private mapping of an open file; exiv2 reads from memory so it never opens the
// path itself (which could have become a FIFO since we checked it).
class Mapping {
 public:
  Mapping(int fd, size_t size) : size_(size) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    data_ = p == MAP_FAILED ? nullptr : p;
  }
  ~Mapping() {
    if (data_) ::munmap(data_, size_);
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  const Exiv2::byte* data() const { return static_cast<const Exiv2::byte*>(data_); }
  size_t size() const { return size_; }

 private:
  void* data_ = nullptr;
  size_t size_;
};

std::optional<std::string> FindXmpPacket(const Exiv2::byte* data, size_t size) {
  static constexpr std::string_view kOpen = "<x:xmpmeta", kClose = "</x:xmpmeta>";
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t begin = all.find(kOpen);
  if (begin == std::string_view::npos) return std::nullopt;
  const size_t end = all.find(kClose, begin);
  if (end == std::string_view::npos || end - begin > (size_t{16} << 20)) return std::nullopt;
  return std::string(all.substr(begin, end + kClose.size() - begin));
}

std::vector<std::string> SidecarCandidates(const std::string& path) {
  std::vector<std::string> out = {path + ".xmp", path + ".XMP"};
  const std::string dir = DirName(path);
  std::string base = BaseName(path);
  const size_t dot = base.rfind('.');
  if (dot != std::string::npos && dot > 0) {
    const std::string stem = JoinPath(dir, base.substr(0, dot));
    out.push_back(stem + ".xmp");
    out.push_back(stem + ".XMP");
  }
  return out;
}

std::optional<ImageMetadata> ReadSidecar(const std::string& path) {
  for (const std::string& candidate : SidecarCandidates(path)) {
    if (candidate == path) continue;
    FileStat st = StatPath(candidate);
    if (!st.exists || !st.is_regular) continue;
    auto file = ImageFile::Open(candidate, kMaxSidecarBytes);
    if (!file.ok()) continue;
    auto text = file->ReadAll();
    if (!text.ok()) continue;
    auto parsed = ParseXmpPacket(*text);
    if (!parsed.ok()) continue;
    ImageMetadata m = std::move(parsed).value();
    m.sources = {"sidecar"};
    return m;
  }
  return std::nullopt;
}

}  // namespace

// libvips' loaders extract EXIF and XMP blobs from containers exiv2 0.27 may not read (HEIF
// without BMFF support, some PNG/WebP chunks); decode those blobs with exiv2.
static void ReadThroughVips(const ImageFile& file, ExifPart* exif, ImageMetadata* xmp) {
  using namespace media_internal;
  auto head = file.ReadHead(256);
  if (!head.ok()) return;
  const Container c = SniffContainer(*head);
  // exiv2 reads JPEG and TIFF completely; BMP has no metadata.
  if (c == Container::kUnknown || c == Container::kBmp || c == Container::kJpeg ||
      c == Container::kTiff) {
    return;
  }
  auto image = LoadVips(EncodedInput{file.fd(), nullptr}, c, LoadOptions{});
  if (!image.ok()) return;
  const void* data = nullptr;
  size_t len = 0;
  if (vips_image_get_typeof(image->get(), "exif-data") &&
      vips_image_get_blob(image->get(), "exif-data", &data, &len) == 0 && len > 8) {
    const auto* bytes = static_cast<const Exiv2::byte*>(data);
    if (len > 6 && std::memcmp(bytes, "Exif\0\0", 6) == 0) {
      bytes += 6;
      len -= 6;
    }
    try {
      Exiv2::ExifData exif_data;
      Exiv2::ExifParser::decode(exif_data, bytes, static_cast<uint32_t>(len));
      *exif = FromExif(exif_data);
    } catch (...) {
    }
  }
  if (xmp->empty() && vips_image_get_typeof(image->get(), "xmp-data") &&
      vips_image_get_blob(image->get(), "xmp-data", &data, &len) == 0 && len > 0) {
    auto parsed = ParseXmpPacket(std::string(static_cast<const char*>(data), len));
    if (parsed.ok()) *xmp = std::move(parsed).value();
  }
  vips_error_clear();
}

Result<ImageMetadata> ParseXmpPacket(const std::string& xmp) {
  QIMG_RETURN_IF_ERROR(InitMedia());
  bool parsed = false;
  ImageMetadata m;
  try {
    Exiv2::XmpData data;
    if (Exiv2::XmpParser::decode(data, xmp) == 0) {
      m = FromXmp(data);
      parsed = true;
    }
  } catch (...) {
    // Falls through to the forgiving scan.
  }
  if (parsed) return m;
  if (xmp.find("rdf:RDF") == std::string::npos) return Status::Corrupt("not an XMP packet");
  return FromXmpScan(xmp);
}

Result<ImageMetadata> ReadMetadata(const std::string& path) {
  QIMG_RETURN_IF_ERROR(InitMedia());
  QIMG_ASSIGN_OR_RETURN(ImageFile file, ImageFile::Open(path, kMaxImageFileBytes));
  ExifPart exif;
  ImageMetadata xmp, iptc;
  {
    Mapping map(file.fd(), static_cast<size_t>(file.size()));
    if (map.data() == nullptr) return Status::IoError("cannot map " + SanitizeUtf8(path));
    try {
      Exiv2::Image::AutoPtr image =
          Exiv2::ImageFactory::open(map.data(), static_cast<long>(map.size()));
      if (image.get() != nullptr) {
        image->readMetadata();
        exif = FromExif(image->exifData());
        xmp = FromXmp(image->xmpData());
        iptc = FromIptc(image->iptcData());
        // exiv2 keeps the raw packet when the XMP toolkit rejects it.
        if (image->xmpData().empty() && !image->xmpPacket().empty()) {
          auto scanned = ParseXmpPacket(image->xmpPacket());
          if (scanned.ok()) xmp = std::move(scanned).value();
        }
      }
    } catch (...) {
      // Unknown container or broken metadata: what parsed before the failure is kept (nothing,
      // when readMetadata itself threw). Metadata is optional for an image.
    }
    // XMP's own rule for containers a reader does not understand (HEIF's "mime" item here):
    // packets are plain text between <x:xmpmeta ...> and </x:xmpmeta>.
    if (xmp.empty()) {
      if (auto packet = FindXmpPacket(map.data(), map.size())) {
        auto scanned = ParseXmpPacket(*packet);
        if (scanned.ok()) xmp = std::move(scanned).value();
      }
    }
  }
  if (!HasAnyExifField(exif)) ReadThroughVips(file, &exif, &xmp);
  if (!HasAnyExifField(exif)) exif = ExifPart{};
  std::optional<ImageMetadata> sidecar = ReadSidecar(path);
  return Merge(std::move(exif), std::move(xmp), std::move(iptc), std::move(sidecar));
}

nlohmann::ordered_json ToJson(const ImageMetadata& m) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  auto put = [&j](const char* key, const auto& value) {
    if (value) j[key] = *value;
  };
  put("capture_time", m.capture_time);
  put("offset_time", m.offset_time);
  put("make", m.make);
  put("model", m.model);
  put("lens", m.lens);
  put("exposure_time", m.exposure_time);
  put("exposure_seconds", m.exposure_seconds);
  put("f_number", m.f_number);
  put("iso", m.iso);
  put("focal_length_mm", m.focal_length_mm);
  put("orientation", m.orientation);
  put("gps_latitude", m.gps_latitude);
  put("gps_longitude", m.gps_longitude);
  put("gps_altitude", m.gps_altitude);
  put("software", m.software);
  put("artist", m.artist);
  put("copyright", m.copyright);
  put("description", m.description);
  put("title", m.title);
  if (!m.keywords.empty()) j["keywords"] = m.keywords;
  put("rating", m.rating);
  if (!m.sources.empty()) j["sources"] = m.sources;
  return j;
}

}  // namespace qimg
