#include "media/media_init.h"

#include <vips/vips.h>

#include <mutex>
#include <string>

#include "base/log.h"
#include "media/exiv2_setup.h"

namespace qimg {
namespace {

// vips (and libjpeg/libpng/libheif through it) report recoverable problems as GLib warnings,
// which would otherwise go to stderr and interleave with progress output.
void RouteGLibMessage(const gchar* domain, GLogLevelFlags level, const gchar* message, gpointer) {
  std::string text = std::string(domain ? domain : "glib") + ": " + (message ? message : "");
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) {
    LogWarning(text);
  } else {
    LogDebug(text);
  }
}

Status g_init_status;
std::once_flag g_init_once;

void InitOnce() {
  if (VIPS_INIT("qimg") != 0) {
    const char* err = vips_error_buffer();
    g_init_status = Status::Unavailable(std::string("libvips failed to start: ") + (err ? err : ""));
    vips_error_clear();
    return;
  }
  const auto levels = static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE |
                                                  G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG |
                                                  G_LOG_LEVEL_CRITICAL);
  for (const char* domain : {"VIPS", "GLib-GObject", "GLib"}) {
    g_log_set_handler(domain, levels, RouteGLibMessage, nullptr);
  }
  // Only loaders we call by name parse files; untrusted ones stay blocked even if something
  // asks vips to sniff a file (vips_image_new_from_file) some day.
  vips_block_untrusted_set(TRUE);
  // Every file is decoded once: the operation cache would only pin memory and descriptors.
  vips_cache_set_max(0);
  vips_cache_set_max_mem(0);
  vips_cache_set_max_files(0);
  // Parallelism comes from the caller's worker pool, one decode per worker.
  vips_concurrency_set(1);
  media_internal::SetUpExiv2();
}

}  // namespace

Status InitMedia() {
  std::call_once(g_init_once, InitOnce);
  return g_init_status;
}

}  // namespace qimg
