// OCR with the Tesseract C++ API (the only place Tesseract enters the project, DESIGN §2).
// A TessBaseAPI is not thread-safe and costs ~100 ms to initialise, so an OcrEngine belongs to
// one thread and is reused for every image that thread reads (see ThreadLocalOcr()).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "media/image.h"

namespace qimg::facts {

struct OcrOptions {
  // Tesseract language codes joined by '+', ',' or spaces ("eng", "eng+deu").
  std::string languages = "eng";
  // Words Tesseract itself is less sure of than this (0-100) are dropped: on photos they are
  // almost always texture read as letters.
  float min_word_confidence = 60;
  // Below this mean confidence (0-100) of the first pass, a sparse-text pass is tried too and the
  // better of the two is kept.
  float retry_below_confidence = 80;
  // Wall-clock budget for one image, all passes together; a pass cut short keeps what it read.
  int deadline_ms = 20000;
  // Images are upscaled until their shorter side reaches this (at most x3), because Tesseract's
  // LSTM reads text poorly below ~20 px x-height and small images tend to hold small text.
  // Measured on the corpus: 1000 also upscales 800 px photos, where x2 turns texture into
  // confident garbage words; 500 reads the 39 px-high line of 11 px text and keeps photos as is.
  int upscale_short_side = 500;
  // Upscaling never makes an image larger than this many pixels.
  int64_t max_pixels = 24'000'000;
};

struct OcrWord {
  std::string text;
  float confidence = 0;  // 0-100
  bool line_start = false;  // first kept word of a text line
};

struct OcrResult {
  std::string text;              // kept words; lines joined by '\n', words by ' '; trimmed
  double mean_confidence = 0;    // mean of kept words' confidences, 0-100 (0 when no words)
  std::vector<OcrWord> words;    // kept words in reading order
  int dropped_words = 0;         // below min_word_confidence, or texture (see ocr.cc)
  std::string page_segmentation; // "auto", "block" (columns re-read as rows) or "sparse"
  double scale = 1;              // upscale factor applied
  bool timed_out = false;        // the deadline cut a pass short
};

class OcrEngine {
 public:
  // Unavailable when Tesseract cannot load the languages' traineddata (message names them and
  // the Debian package to install).
  static Result<std::unique_ptr<OcrEngine>> Create(const OcrOptions& options);
  ~OcrEngine();
  OcrEngine(const OcrEngine&) = delete;
  OcrEngine& operator=(const OcrEngine&) = delete;

  // Reads the text of one image. An image without text is an OK result with empty text;
  // errors only for an empty image or an internal Tesseract failure.
  Result<OcrResult> Recognize(const RgbImage& image);

  const OcrOptions& options() const { return options_; }
  // Provenance, e.g. "ocr_tesseract@5:eng" (engine major version and languages).
  std::string SourceName() const;

 private:
  struct Impl;
  explicit OcrEngine(OcrOptions options);
  OcrOptions options_;
  std::unique_ptr<Impl> impl_;
};

// This thread's engine for these options, created on first use and kept until the thread ends
// (a new one replaces it when the options differ). Errors as OcrEngine::Create.
Result<OcrEngine*> ThreadLocalOcr(const OcrOptions& options);

// "eng, deu" -> "eng+deu"; empty -> "eng".
std::string NormalizeOcrLanguages(const std::string& languages);
// Tesseract's version string ("5.3.0").
std::string TesseractVersion();
// The source name an engine with these languages writes, without creating one.
std::string OcrSourceName(const std::string& languages);

}  // namespace qimg::facts
