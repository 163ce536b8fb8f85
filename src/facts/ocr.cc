#include "facts/ocr.h"

#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>
#include <tesseract/ocrclass.h>
#include <tesseract/resultiterator.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>

#include "base/text.h"
#include "media/pil_resample.h"

namespace qimg::facts {

std::string NormalizeOcrLanguages(const std::string& languages) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : languages + " ") {
    if (c == '+' || c == ',' || c == ' ' || c == '\t') {
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return parts.empty() ? "eng" : Join(parts, "+");
}

std::string TesseractVersion() { return tesseract::TessBaseAPI::Version(); }

std::string OcrSourceName(const std::string& languages) {
  std::string v = TesseractVersion();
  return "ocr_tesseract@" + v.substr(0, v.find('.')) + ":" + NormalizeOcrLanguages(languages);
}

struct OcrEngine::Impl {
  tesseract::TessBaseAPI api;
};

OcrEngine::OcrEngine(OcrOptions options) : options_(std::move(options)), impl_(new Impl) {}
OcrEngine::~OcrEngine() {
  if (impl_) impl_->api.End();
}

std::string OcrEngine::SourceName() const { return OcrSourceName(options_.languages); }

Result<std::unique_ptr<OcrEngine>> OcrEngine::Create(const OcrOptions& options_in) {
  OcrOptions options = options_in;
  options.languages = NormalizeOcrLanguages(options.languages);
  std::unique_ptr<OcrEngine> e(new OcrEngine(options));
  try {
    // Leptonica reports recoverable oddities ("box outside rectangle") on stderr by itself.
    setMsgSeverity(L_SEVERITY_NONE);
    // Tesseract's progress chatter ("Estimating resolution as ...") would garble our stderr.
    e->impl_->api.SetVariable("debug_file", "/dev/null");
    if (e->impl_->api.Init(nullptr, options.languages.c_str(), tesseract::OEM_LSTM_ONLY) != 0) {
      return Status::Unavailable("Tesseract cannot load language data '" + options.languages +
                                 "' (install tesseract-ocr-<lang>, e.g. `apt-get install "
                                 "tesseract-ocr-eng`, or set TESSDATA_PREFIX)");
    }
    e->impl_->api.SetVariable("debug_file", "/dev/null");
  } catch (const std::exception& ex) {
    return Status::Unavailable(std::string("Tesseract failed to initialise: ") + ex.what());
  }
  return e;
}

namespace {

struct Pass {
  std::vector<OcrWord> words;
  int dropped = 0;
  bool timed_out = false;
  // Confident characters: what the pass is judged by, so a pass that reads more real text wins
  // over one that reads a single sure word.
  double score = 0;
  double mean = 0;
  // Two text blocks side by side (overlapping rows, disjoint columns): page segmentation split a
  // table or a label/value layout into columns, which reads it column by column.
  bool columnar = false;
};

int AlnumCount(const std::string& w) {
  int n = 0;
  for (unsigned char c : w) n += (std::isalnum(c) || c >= 0x80) ? 1 : 0;
  return n;
}

// A word that looks like language rather than texture: 3+ letters/digits making up most of it,
// read with good confidence.
bool RealWord(const OcrWord& w) {
  const int a = AlnumCount(w.text);
  return a >= 3 && a * 10 >= static_cast<int>(w.text.size()) * 6 && w.confidence >= 80;
}

// Tesseract reads foliage, fur and brickwork as short confident "words" ("|", "=", "KK", "ae").
// Measured on the corpus photos (docs/facts.md): keep a text line only when it holds a real
// word; inside kept lines drop punctuation-only words unless they are very sure ("-" in
// "87% - 3"); keep the page only with two real words or one very sure one (a lone "STOP").
std::vector<OcrWord> DropTexture(const std::vector<OcrWord>& words, int* dropped) {
  std::vector<OcrWord> out;
  int real = 0;
  float best = 0;
  for (size_t i = 0; i < words.size();) {
    size_t j = i + 1;
    while (j < words.size() && !words[j].line_start) ++j;
    bool has_real = false;
    for (size_t k = i; k < j; ++k) has_real = has_real || RealWord(words[k]);
    bool first = true;
    for (size_t k = i; k < j; ++k) {
      const OcrWord& w = words[k];
      if (!has_real || (AlnumCount(w.text) == 0 && w.confidence < 85)) {
        ++*dropped;
        continue;
      }
      if (RealWord(w)) {
        ++real;
        best = std::max(best, w.confidence);
      }
      out.push_back(w);
      out.back().line_start = first;
      first = false;
    }
    i = j;
  }
  if (real >= 2 || best >= 90) return out;
  *dropped += static_cast<int>(out.size());
  return {};
}

struct Box {
  int left, top, right, bottom;
};

bool SideBySide(const Box& a, const Box& b) {
  const int v_overlap = std::min(a.bottom, b.bottom) - std::max(a.top, b.top);
  const int min_h = std::min(a.bottom - a.top, b.bottom - b.top);
  const bool disjoint_x = a.right <= b.left || b.right <= a.left;
  return disjoint_x && min_h > 0 && v_overlap * 2 >= min_h;
}

Pass RunPass(tesseract::TessBaseAPI& api, tesseract::PageSegMode psm, float min_conf,
             std::chrono::steady_clock::time_point deadline) {
  Pass p;
  api.SetPageSegMode(psm);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now()).count();
  if (left <= 0) {
    p.timed_out = true;
    return p;
  }
  tesseract::ETEXT_DESC monitor;
  monitor.set_deadline_msecs(static_cast<int32_t>(left));
  if (api.Recognize(&monitor) != 0 || monitor.deadline_exceeded()) p.timed_out = monitor.deadline_exceeded();
  std::unique_ptr<tesseract::ResultIterator> it(api.GetIterator());
  if (!it) return p;
  bool pending_break = true;
  do {
    if (it->Empty(tesseract::RIL_WORD)) continue;
    bool starts_line = it->IsAtBeginningOf(tesseract::RIL_TEXTLINE);
    std::unique_ptr<char[]> w(it->GetUTF8Text(tesseract::RIL_WORD));
    float conf = it->Confidence(tesseract::RIL_WORD);
    std::string text = w ? Trim(w.get()) : "";
    if (text.empty()) continue;
    if (starts_line) pending_break = true;
    if (conf < min_conf) {
      ++p.dropped;
      continue;
    }
    p.words.push_back({SanitizeUtf8(text), conf, pending_break});
    pending_break = false;
  } while (it->Next(tesseract::RIL_WORD));
  p.words = DropTexture(p.words, &p.dropped);
  double sum = 0;
  for (const OcrWord& w : p.words) {
    sum += w.confidence;
    p.score += w.confidence / 100.0 * static_cast<double>(w.text.size());
  }
  if (!p.words.empty()) p.mean = sum / static_cast<double>(p.words.size());
  std::vector<Box> blocks;
  it->Begin();
  do {
    Box b;
    if (!it->Empty(tesseract::RIL_BLOCK) &&
        it->BoundingBox(tesseract::RIL_BLOCK, &b.left, &b.top, &b.right, &b.bottom))
      blocks.push_back(b);
  } while (it->Next(tesseract::RIL_BLOCK));
  for (size_t i = 0; i < blocks.size() && !p.columnar; ++i)
    for (size_t j = i + 1; j < blocks.size() && !p.columnar; ++j)
      p.columnar = SideBySide(blocks[i], blocks[j]);
  return p;
}

}  // namespace

Result<OcrResult> OcrEngine::Recognize(const RgbImage& image) {
  if (image.width < 1 || image.height < 1 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3)
    return Status::InvalidArgument("OCR: empty or malformed image");
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.deadline_ms);
  OcrResult r;
  // Grey is all Tesseract uses (it binarises internally), and resampling one channel is 3x
  // cheaper than three.
  GrayImage gray = ToGrayPil(image);
  const int short_side = std::min(image.width, image.height);
  double scale = 1;
  if (short_side < options_.upscale_short_side) {
    scale = std::min(3.0, std::ceil(static_cast<double>(options_.upscale_short_side) / short_side));
    const double area = static_cast<double>(image.width) * image.height;
    while (scale > 1 && area * scale * scale > static_cast<double>(options_.max_pixels)) scale -= 1;
  }
  if (scale > 1) {
    // Bicubic keeps strokes sharp without Lanczos' ringing halos, which Otsu turns into specks.
    gray = ResizePil(gray, static_cast<int>(image.width * scale), static_cast<int>(image.height * scale),
                     PilFilter::kBicubic);
  }
  r.scale = scale;
  auto& api = impl_->api;
  try {
    api.SetImage(gray.pixels.data(), gray.width, gray.height, 1, gray.width);
    // Raw pixels carry no resolution; 300 dpi keeps Tesseract's size heuristics in range for
    // text that (after upscaling) is at least ~20 px high.
    api.SetSourceResolution(300);
    Pass best = RunPass(api, tesseract::PSM_AUTO, options_.min_word_confidence, deadline);
    r.page_segmentation = "auto";
    if (best.columnar && !best.timed_out) {
      // Read as one uniform block: rows stay rows. Kept only when it reads about as much text
      // just as confidently, which a real multi-column page, a scattered UI or a sign on a
      // photo (the block pass reads texture around it) does not.
      Pass block = RunPass(api, tesseract::PSM_SINGLE_BLOCK, options_.min_word_confidence, deadline);
      if (block.score >= best.score * 0.95 && block.mean >= best.mean - 2.0) {
        best = std::move(block);
        r.page_segmentation = "block";
      }
    }
    if (r.page_segmentation == "auto" && !best.timed_out &&
        (best.words.empty() || best.mean < options_.retry_below_confidence)) {
      Pass sparse = RunPass(api, tesseract::PSM_SPARSE_TEXT, options_.min_word_confidence, deadline);
      if (sparse.score > best.score * 1.05) {
        best = std::move(sparse);
        r.page_segmentation = "sparse";
      } else {
        best.timed_out = best.timed_out || sparse.timed_out;
      }
    }
    api.Clear();
    std::string text;
    for (size_t i = 0; i < best.words.size(); ++i) {
      if (i > 0) text += best.words[i].line_start ? "\n" : " ";
      text += best.words[i].text;
    }
    r.text = Trim(text);
    r.mean_confidence = best.mean;
    r.words = std::move(best.words);
    r.dropped_words = best.dropped;
    r.timed_out = best.timed_out;
  } catch (const std::exception& ex) {
    api.Clear();
    return Status::Internal(std::string("Tesseract failed: ") + ex.what());
  }
  return r;
}

Result<OcrEngine*> ThreadLocalOcr(const OcrOptions& options) {
  thread_local std::unique_ptr<OcrEngine> engine;
  thread_local std::string key;
  std::string k = NormalizeOcrLanguages(options.languages) + "|" +
                  std::to_string(options.min_word_confidence) + "|" +
                  std::to_string(options.retry_below_confidence) + "|" +
                  std::to_string(options.deadline_ms) + "|" + std::to_string(options.upscale_short_side) +
                  "|" + std::to_string(options.max_pixels);
  if (!engine || key != k) {
    engine.reset();
    QIMG_ASSIGN_OR_RETURN(engine, OcrEngine::Create(options));
    key = k;
  }
  return engine.get();
}

}  // namespace qimg::facts
