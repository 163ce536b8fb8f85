// exiv2 0.27's headers use std::auto_ptr, deprecated since C++11; the warnings are about the
// library's API, not our code.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include "media/exiv2_setup.h"

#include <exiv2/exiv2.hpp>

#include <mutex>

namespace qimg::media_internal {
namespace {

std::mutex g_xmp_mutex;

// The XMP toolkit calls this around its global namespace registry.
void XmpLock(void* data, bool lock) {
  auto* m = static_cast<std::mutex*>(data);
  if (lock) {
    m->lock();
  } else {
    m->unlock();
  }
}

}  // namespace

void SetUpExiv2() {
  // exiv2 prints warnings for every odd file ("Directory ... has an unexpected next pointer")
  // straight to stderr; the indexer reports per-file problems itself.
  Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);
  Exiv2::LogMsg::setHandler(nullptr);
  Exiv2::enableBMFF(true);
  Exiv2::XmpParser::initialize(XmpLock, &g_xmp_mutex);
}

}  // namespace qimg::media_internal
