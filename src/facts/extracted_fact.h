// What an extractor hands back: one fact without asset id or timestamps, so extractors know
// nothing of the database. The Engine (src/app/facts_ops.cc) turns these into stored rows.
#pragma once

#include <optional>
#include <string>

namespace qimg::facts {

struct ExtractedFact {
  std::string fact_type;  // caption | tag | object | ocr | derived
  std::optional<std::string> key;
  std::optional<std::string> value_text;
  std::optional<std::string> value_json;
  std::optional<double> confidence;
};

}  // namespace qimg::facts
