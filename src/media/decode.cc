#include "media/decode.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "base/text.h"
#include "media/bmp_decoder.h"
#include "media/media_init.h"
#include "media/orientation.h"
#include "media/pil_resample.h"
#include "media/probe_internal.h"
#include "media/vips_loader.h"

namespace qimg {
namespace media_internal {
namespace {

bool IsColorimetric(VipsInterpretation i) {
  switch (i) {
    case VIPS_INTERPRETATION_LAB:
    case VIPS_INTERPRETATION_LABQ:
    case VIPS_INTERPRETATION_LABS:
    case VIPS_INTERPRETATION_LCH:
    case VIPS_INTERPRETATION_CMC:
    case VIPS_INTERPRETATION_XYZ:
    case VIPS_INTERPRETATION_YXY:
    case VIPS_INTERPRETATION_scRGB:
    case VIPS_INTERPRETATION_HSV:
      return true;
    default:
      return false;
  }
}

// PIL's MULDIV255: (a * b + 128) / 255 with rounding, as in Convert.c.
inline int MulDiv255(int a, int b) {
  int tmp = a * b + 128;
  return ((tmp >> 8) + tmp) >> 8;
}

// Runs one vips operation that returns a new image; the input reference stays with the caller.
template <typename Op>
Result<VipsImagePtr> Step(const VipsImagePtr& in, Op op) {
  VipsImage* out = nullptr;
  if (op(in.get(), &out) != 0 || out == nullptr) {
    if (out) g_object_unref(out);
    return VipsError(StatusCode::kCorrupt, "cannot decode image");
  }
  return VipsImagePtr(out);
}

// Pulls all pixels of an 8-bit image into memory (this is where decoding actually happens).
Result<std::unique_ptr<uint8_t, decltype(&g_free)>> Materialise(const VipsImagePtr& im) {
  size_t size = 0;
  void* mem = vips_image_write_to_memory(im.get(), &size);
  if (mem == nullptr) return VipsError(StatusCode::kCorrupt, "cannot decode image");
  const size_t expected = size_t(vips_image_get_width(im.get())) *
                          vips_image_get_height(im.get()) * vips_image_get_bands(im.get());
  std::unique_ptr<uint8_t, decltype(&g_free)> owned(static_cast<uint8_t*>(mem), &g_free);
  if (size != expected) return Status::Internal("unexpected decoded size");
  return owned;
}

// vips image (any interpretation and depth) -> RgbImage with PIL's convert("RGB") rules.
Result<RgbImage> ToRgb(VipsImagePtr im) {
  const VipsInterpretation interp = vips_image_get_interpretation(im.get());
  const bool cmyk = interp == VIPS_INTERPRETATION_CMYK && vips_image_get_bands(im.get()) >= 4;
  if (!cmyk && IsColorimetric(interp)) {
    QIMG_ASSIGN_OR_RETURN(im, Step(im, [](VipsImage* i, VipsImage** o) {
      return vips_colourspace(i, o, VIPS_INTERPRETATION_sRGB, nullptr);
    }));
  }
  const VipsBandFormat format = vips_image_get_format(im.get());
  if (format == VIPS_FORMAT_USHORT) {
    // PIL unpacks 16-bit samples by keeping the high byte ("RGB;16B").
    QIMG_ASSIGN_OR_RETURN(im, Step(im, [](VipsImage* i, VipsImage** o) {
      return vips_rshift_const1(i, o, 8, nullptr);
    }));
  }
  if (vips_image_get_format(im.get()) != VIPS_FORMAT_UCHAR) {
    QIMG_ASSIGN_OR_RETURN(im, Step(im, [](VipsImage* i, VipsImage** o) {
      return vips_cast_uchar(i, o, nullptr);
    }));
  }
  const int bands = vips_image_get_bands(im.get());
  RgbImage rgb;
  rgb.width = vips_image_get_width(im.get());
  rgb.height = vips_image_get_height(im.get());
  QIMG_ASSIGN_OR_RETURN(auto mem, Materialise(im));
  const size_t n = size_t(rgb.width) * rgb.height;
  rgb.pixels.resize(n * 3);
  const uint8_t* s = mem.get();
  uint8_t* d = rgb.pixels.data();
  if (cmyk) {
    // PIL's cmyk2rgb (no colour management); vips already undid Adobe's inversion.
    for (size_t i = 0; i < n; ++i, s += bands, d += 3) {
      const int nk = 255 - s[3];
      for (int c = 0; c < 3; ++c) d[c] = static_cast<uint8_t>(std::clamp(nk - MulDiv255(s[c], nk), 0, 255));
    }
  } else if (bands <= 2) {
    // Gray (+alpha): the alpha band is dropped, the gray value is replicated.
    for (size_t i = 0; i < n; ++i, s += bands, d += 3) d[0] = d[1] = d[2] = s[0];
  } else {
    // RGB, RGBA or more bands: the first three are the colour, the rest (alpha) is dropped.
    for (size_t i = 0; i < n; ++i, s += bands, d += 3) {
      d[0] = s[0]; d[1] = s[1]; d[2] = s[2];
    }
  }
  return rgb;
}

Result<RgbImage> DecodeEncoded(const EncodedInput& input, std::string_view head,
                               const std::string& name, int min_side_hint,
                               const std::string* whole_file) {
  QIMG_ASSIGN_OR_RETURN(ImageHeader header, ProbeEncoded(input, head, name));
  const Container container = SniffContainer(head);
  if (container == Container::kBmp) {
    auto img = DecodeBmp(*whole_file);
    if (!img.ok()) return img.status().WithContext(name);
    return img;
  }
  LoadOptions options;
  const int min_side = std::min(header.stored_width, header.stored_height);
  if (min_side_hint > 0 && container == Container::kJpeg) {
    // libjpeg's scaled output is ceil(size / shrink).
    for (int shrink : {8, 4, 2}) {
      if ((min_side + shrink - 1) / shrink >= min_side_hint) {
        options.jpeg_shrink = shrink;
        break;
      }
    }
  } else if (min_side_hint > 0 && container == Container::kWebp && min_side > min_side_hint) {
    // vips rounds the scaled size; aim slightly above so the result stays >= the hint.
    options.webp_scale = std::min(1.0, (min_side_hint + 0.9) / min_side);
  }
  auto image = LoadVips(input, container, options);
  if (!image.ok()) return image.status().WithContext(name);
  auto rgb = ToRgb(std::move(image).value());
  if (!rgb.ok()) return rgb.status().WithContext(name);
  return ApplyOrientation(std::move(rgb).value(), header.orientation);
}

}  // namespace
}  // namespace media_internal

Result<RgbImage> DecodeRgb(const std::string& path, int min_side_hint) {
  using namespace media_internal;
  QIMG_ASSIGN_OR_RETURN(ImageFile file, ImageFile::Open(path, kMaxImageFileBytes));
  QIMG_ASSIGN_OR_RETURN(std::string head, file.ReadHead(256));
  std::string whole;
  if (SniffContainer(head) == Container::kBmp) {
    // Our BMP decoder works on bytes; the header check inside bounds what we accept.
    QIMG_ASSIGN_OR_RETURN(whole, file.ReadAll());
  }
  return DecodeEncoded(EncodedInput{file.fd(), nullptr}, head, SanitizeUtf8(path), min_side_hint,
                       &whole);
}

Result<RgbImage> DecodeRgbFromMemory(const std::string& bytes, int min_side_hint) {
  using namespace media_internal;
  if (bytes.empty()) return Status::Corrupt("empty image data");
  if (static_cast<int64_t>(bytes.size()) > kMaxImageFileBytes) {
    return Status::ResourceExhausted("image data too large");
  }
  return DecodeEncoded(EncodedInput{-1, &bytes}, std::string_view(bytes).substr(0, 256),
                       "image data", min_side_hint, &bytes);
}

Result<std::string> EncodeJpeg(const RgbImage& image, int quality) {
  using namespace media_internal;
  if (image.width < 1 || image.height < 1 ||
      image.pixels.size() != size_t(image.width) * image.height * 3) {
    return Status::InvalidArgument("cannot encode an empty or inconsistent image");
  }
  if (quality < 1 || quality > 100) return Status::InvalidArgument("JPEG quality must be 1-100");
  QIMG_RETURN_IF_ERROR(InitMedia());
  VipsImagePtr im(vips_image_new_from_memory(image.pixels.data(), image.pixels.size(), image.width,
                                             image.height, 3, VIPS_FORMAT_UCHAR));
  if (!im) return VipsError(StatusCode::kInternal, "cannot wrap pixels");
  void* buf = nullptr;
  size_t len = 0;
  if (vips_jpegsave_buffer(im.get(), &buf, &len, "Q", quality, "strip", TRUE, "optimize_coding",
                           TRUE, nullptr) != 0) {
    return VipsError(StatusCode::kInternal, "cannot encode JPEG");
  }
  std::string out(static_cast<const char*>(buf), len);
  g_free(buf);
  return out;
}

Result<std::string> ThumbnailJpeg(const std::string& path, int max_side, int quality) {
  if (max_side < 1) return Status::InvalidArgument("thumbnail size must be at least 1");
  if (quality < 1 || quality > 100) return Status::InvalidArgument("JPEG quality must be 1-100");
  QIMG_ASSIGN_OR_RETURN(ImageHeader header, ProbeImage(path));
  const int long_side = std::max(header.width, header.height);
  const int short_side = std::min(header.width, header.height);
  // Shrink on load only as far as keeps the longer side >= max_side.
  const int hint = long_side > max_side
                       ? static_cast<int>(std::ceil(double(max_side) * short_side / long_side))
                       : 0;
  QIMG_ASSIGN_OR_RETURN(RgbImage img, DecodeRgb(path, hint));
  const int cur_long = std::max(img.width, img.height);
  if (cur_long > max_side) {
    const double scale = double(max_side) / cur_long;
    const int w = std::max(1, static_cast<int>(std::lround(img.width * scale)));
    const int h = std::max(1, static_cast<int>(std::lround(img.height * scale)));
    img = ResizePil(img, w, h, PilFilter::kBicubic);
  }
  return EncodeJpeg(img, quality);
}

}  // namespace qimg
