#include "media/metadata.h"

#include <gtest/gtest.h>

#include <cmath>

#include "base/time_util.h"
#include "media/corpus_test_util.h"
#include "media/metadata_parse.h"

namespace qimg {
namespace {

using nlohmann::json;
using testing::CorpusPath;
using testing::EntriesOfKind;

ImageMetadata MustRead(const std::string& rel) {
  auto m = ReadMetadata(CorpusPath(rel));
  EXPECT_TRUE(m.ok()) << rel << ": " << m.status().ToString();
  return m.ok() ? std::move(m).value() : ImageMetadata{};
}

std::optional<std::string> Str(const json& md, const char* key) {
  if (!md.contains(key) || !md[key].is_string()) return std::nullopt;
  return md[key].get<std::string>();
}

std::optional<double> Num(const json& md, const char* key) {
  if (!md.contains(key) || !md[key].is_number()) return std::nullopt;
  return md[key].get<double>();
}

bool Placeholder(const std::string& s) {
  return s == "x-default" || s.find("DIGITAL CAMERA") != std::string::npos;
}

// Checks what we read against what exiftool read (expected.metadata), with qimg's precedence.
void CheckAgainstExiftool(const std::string& path, const json& md, const ImageMetadata& m) {
  SCOPED_TRACE(path);
  // Capture time.
  std::optional<std::string> date;
  for (const char* key : {"ExifIFD:DateTimeOriginal", "ExifIFD:CreateDate",
                          "XMP-exif:DateTimeOriginal", "XMP-photoshop:DateCreated",
                          "IFD0:ModifyDate"}) {
    if (auto v = Str(md, key)) {
      date = ExifDateToIso(v->substr(0, 19));
      break;
    }
  }
  if (date) {
    EXPECT_EQ(m.capture_time.value_or("-"), *date);
  }
  if (auto v = Str(md, "ExifIFD:OffsetTimeOriginal")) {
    EXPECT_EQ(m.offset_time.value_or("-"), *v);
  }
  auto make = Str(md, "IFD0:Make");
  if (!make) make = Str(md, "XMP-tiff:Make");
  if (make) {
    EXPECT_EQ(m.make.value_or("-"), *make);
  }
  auto model = Str(md, "IFD0:Model");
  if (!model) model = Str(md, "XMP-tiff:Model");
  if (model) {
    EXPECT_EQ(m.model.value_or("-"), *model);
  }
  if (auto v = Str(md, "ExifIFD:LensModel")) {
    EXPECT_EQ(m.lens.value_or("-"), *v);
  }
  if (auto v = Str(md, "IFD0:Artist")) {
    EXPECT_EQ(m.artist.value_or("-"), *v);
  }
  if (auto v = Str(md, "IFD0:Copyright")) {
    EXPECT_EQ(m.copyright.value_or("-"), *v);
  }
  if (auto v = Num(md, "ExifIFD:ExposureTime")) {
    EXPECT_NEAR(m.exposure_seconds.value_or(-1), *v, 1e-6);
  }
  if (auto v = Num(md, "ExifIFD:FNumber")) {
    EXPECT_NEAR(m.f_number.value_or(-1), *v, 1e-6);
  }
  if (auto v = Num(md, "ExifIFD:FocalLength")) {
    EXPECT_NEAR(m.focal_length_mm.value_or(-1), *v, 1e-6);
  }
  if (auto v = Num(md, "ExifIFD:ISO")) {
    EXPECT_EQ(m.iso.value_or(-1), int(*v));
  }
  auto orientation = Num(md, "IFD0:Orientation");
  if (!orientation) orientation = Num(md, "XMP-tiff:Orientation");
  if (orientation) {
    EXPECT_EQ(m.orientation.value_or(-1), int(*orientation));
  }
  auto lat = Num(md, "Composite:GPSLatitude");
  auto lon = Num(md, "Composite:GPSLongitude");
  if (!lat) lat = Num(md, "XMP-exif:GPSLatitude");
  if (!lon) lon = Num(md, "XMP-exif:GPSLongitude");
  if (lat && lon) {
    EXPECT_NEAR(m.gps_latitude.value_or(999), *lat, 1e-5);
    EXPECT_NEAR(m.gps_longitude.value_or(999), *lon, 1e-5);
  }
  if (auto alt = Num(md, "GPS:GPSAltitude")) {
    const double sign = Num(md, "GPS:GPSAltitudeRef").value_or(0) == 1 ? -1 : 1;
    EXPECT_NEAR(m.gps_altitude.value_or(-9999), sign * *alt, 1e-3);
  }
  // Description: XMP, IPTC, EXIF, skipping placeholders.
  std::optional<std::string> description;
  for (const char* key : {"XMP-dc:Description", "IPTC:Caption-Abstract", "IFD0:ImageDescription"}) {
    if (auto v = Str(md, key); v && !Placeholder(*v)) {
      description = v;
      break;
    }
  }
  EXPECT_EQ(m.description.value_or("-"), description.value_or("-"));
  auto title = Str(md, "XMP-dc:Title");
  if (!title) title = Str(md, "IPTC:ObjectName");
  if (title) {
    EXPECT_EQ(m.title.value_or("-"), *title);
  }
  if (auto v = Num(md, "XMP-xmp:Rating")) {
    EXPECT_EQ(m.rating.value_or(-9), int(*v));
  }
  std::vector<std::string> keywords;
  for (const char* key : {"XMP-dc:Subject", "IPTC:Keywords"}) {
    if (md.contains(key)) {
      for (const auto& k : md[key]) {
        if (std::find(keywords.begin(), keywords.end(), k) == keywords.end()) keywords.push_back(k);
      }
    }
  }
  EXPECT_EQ(m.keywords, keywords);
}

TEST(MetadataTest, MatchesExiftoolOnCorpus) {
  int checked = 0;
  for (const auto& e : EntriesOfKind({"metadata", "photo"})) {
    const std::string path = e["path"];
    const auto& x = e["expected"];
    json md = x.value("metadata", json::object());
    if (x.contains("sidecar")) {
      // Sidecar values count as the image's own when the image has none.
      for (const auto& s : EntriesOfKind({"metadata-sidecar"})) {
        if (s["path"] == x["sidecar"]) md.update(s["expected"]["metadata"]);
      }
    }
    CheckAgainstExiftool(path, md, MustRead(path));
    ++checked;
  }
  EXPECT_GE(checked, 40);
}

TEST(MetadataTest, SpecificFields) {
  ImageMetadata full = MustRead("metadata/meta-exif-full.jpg");
  EXPECT_EQ(full.exposure_time.value_or("-"), "1/4");
  EXPECT_EQ(full.capture_time.value_or("-"), "2019-06-21T21:47:03");
  EXPECT_EQ(full.offset_time.value_or("-"), "-04:00");
  EXPECT_NEAR(full.gps_altitude.value_or(0), 148, 1e-6);
  ImageMetadata all = MustRead("metadata/meta-all.jpg");
  EXPECT_EQ(all.exposure_time.value_or("-"), "1/125");
  ImageMetadata fallback = MustRead("metadata/meta-date-fallback.jpg");
  EXPECT_EQ(fallback.capture_time.value_or("-"), "2020-02-28T08:00:00");
  ImageMetadata conflict = MustRead("metadata/meta-conflict.jpg");
  EXPECT_EQ(conflict.capture_time.value_or("-"), "2015-05-05T10:00:00");
  EXPECT_EQ(conflict.description.value_or("-"), "XMP says: a mug of coffee");
  EXPECT_EQ(conflict.keywords, (std::vector<std::string>{"drink", "mug", "coffee", "espresso"}));
  ImageMetadata iptc = MustRead("metadata/meta-iptc.jpg");
  EXPECT_EQ(iptc.capture_time.value_or("-"), "2013-08-05T14:15:34");
  EXPECT_EQ(iptc.offset_time.value_or("-"), "+00:00");
  EXPECT_EQ(iptc.artist.value_or("-"), "Rachel Michetti");
  ImageMetadata south = MustRead("metadata/meta-gps-south.jpg");
  EXPECT_NEAR(south.gps_altitude.value_or(0), -12.5, 1e-6);
  ImageMetadata sidecar = MustRead("metadata/meta-sidecar.jpg");
  EXPECT_EQ(sidecar.rating.value_or(-9), 5);
  EXPECT_NE(std::find(sidecar.sources.begin(), sidecar.sources.end(), "sidecar"),
            sidecar.sources.end());
  ImageMetadata none = MustRead("metadata/meta-none.jpg");
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(ToJson(none).dump(), "{}");
}

TEST(MetadataTest, HostileFilesReadCleanly) {
  for (const auto& e : EntriesOfKind({"hostile"})) {
    auto m = ReadMetadata(CorpusPath(e["path"]));
    if (m.ok()) {
      EXPECT_NO_THROW(ToJson(*m).dump()) << e["path"];
    }
  }
  auto loop = ReadMetadata(CorpusPath("hostile/exif-ifd-loop.jpg"));
  EXPECT_TRUE(loop.ok()) << loop.status().ToString();
  EXPECT_FALSE(ReadMetadata(CorpusPath("hostile/nope.jpg")).ok());
}

TEST(MetadataTest, JsonKeyOrderIsStable) {
  ImageMetadata m;
  m.rating = 3;
  m.keywords = {"b", "a"};
  m.make = "Canon";
  m.capture_time = "2020-01-02T03:04:05";
  m.gps_latitude = 1.5;
  m.sources = {"exif"};
  EXPECT_EQ(ToJson(m).dump(),
            R"({"capture_time":"2020-01-02T03:04:05","make":"Canon","gps_latitude":1.5,)"
            R"("keywords":["b","a"],"rating":3,"sources":["exif"]})");
}

TEST(MetadataTest, XmpPacket) {
  auto m = ParseXmpPacket(
      R"(<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">)"
      R"(<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/")"
      R"( xmp:Rating="2" xmp:CreateDate="2011-02-03T04:05">)"
      R"(<dc:subject><rdf:Bag><rdf:li>one</rdf:li><rdf:li>two</rdf:li><rdf:li>one</rdf:li></rdf:Bag></dc:subject>)"
      R"(</rdf:Description></rdf:RDF></x:xmpmeta>)");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->keywords, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(m->rating.value_or(-9), 2);
  EXPECT_EQ(m->capture_time.value_or("-"), "2011-02-03T04:05:00");
  EXPECT_FALSE(ParseXmpPacket("<not xmp").ok());
}

TEST(MetadataParseTest, Helpers) {
  using namespace media_internal;
  EXPECT_EQ(NormaliseOffset("+02:00").value_or("-"), "+02:00");
  EXPECT_EQ(NormaliseOffset("-0400").value_or("-"), "-04:00");
  EXPECT_EQ(NormaliseOffset("Z").value_or("-"), "+00:00");
  EXPECT_FALSE(NormaliseOffset("garbage"));
  EXPECT_EQ(FormatExposure(1, 250), "1/250");
  EXPECT_EQ(FormatExposure(10, 2500), "1/250");
  EXPECT_EQ(FormatExposure(1, 4), "1/4");
  EXPECT_EQ(FormatExposure(1, 2), "0.5");
  EXPECT_EQ(FormatExposure(30, 1), "30");
  EXPECT_EQ(FormatExposure(25, 10), "2.5");
  EXPECT_EQ(FormatExposure(3, 1000), "1/333");
  EXPECT_EQ(ParseXmpDate("2016-06-06T11:00:00+02:00")->first, "2016-06-06T11:00:00");
  EXPECT_EQ(ParseXmpDate("2016-06-06T11:00:00+02:00")->second, "+02:00");
  EXPECT_EQ(ParseXmpDate("2009:02:09 09:11:30.25")->first, "2009-02-09T09:11:30");
  EXPECT_EQ(ParseXmpDate("2009")->first, "2009-01-01T00:00:00");
  EXPECT_FALSE(ParseXmpDate("2009-13-01"));
  EXPECT_FALSE(ParseXmpDate("yesterday"));
  EXPECT_NEAR(ParseXmpCoordinate("61,13.086N", 90).value_or(0), 61.2181, 1e-6);
  EXPECT_NEAR(ParseXmpCoordinate("149,54,1.08W", 180).value_or(0), -149.9003, 1e-6);
  EXPECT_NEAR(ParseXmpCoordinate("-33.5", 90).value_or(0), -33.5, 1e-9);
  EXPECT_FALSE(ParseXmpCoordinate("91,0N", 90));
  EXPECT_FALSE(ParseXmpCoordinate("abc", 90));
  EXPECT_EQ(ParseIptcDateTime("20130805", "141534+0000")->first, "2013-08-05T14:15:34");
  EXPECT_EQ(ParseIptcDateTime("2013-08-05", "14:15:34+00:00")->second, "+00:00");
  EXPECT_EQ(ParseIptcDateTime("2013-08-05", "")->first, "2013-08-05T00:00:00");
  EXPECT_FALSE(ParseIptcDateTime("0000-00-00", ""));
  EXPECT_EQ(ParseRationalText("28/10")->first, 28);
  EXPECT_FALSE(ParseRationalText("1/0"));
}

}  // namespace
}  // namespace qimg
