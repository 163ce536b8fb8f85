#include "web/routes.h"

#include <httplib.h>

#include <exception>
#include <memory>

#include "base/log.h"
#include "web/api.h"
#include "web/static_assets.h"
#include "web/thumb_cache.h"

namespace qimg::web {

const char* const kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

namespace {

void SecurityHeaders(httplib::Response& res) {
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Cross-Origin-Resource-Policy", "same-origin");
}

void SendJson(httplib::Response& res, int status, const ojson& body) {
  SecurityHeaders(res);
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  // Replace invalid UTF-8 (file names are bytes) instead of throwing.
  res.set_content(body.dump(-1, ' ', false, ojson::error_handler_t::replace), "application/json");
}

void SendError(httplib::Response& res, const Status& status) {
  ojson body = ojson::object();
  body["ok"] = false;
  body["error"] = status.message();
  SendJson(res, HttpStatusFor(status), body);
}

void SendStatic(httplib::Response& res, const StaticAsset& asset) {
  SecurityHeaders(res);
  res.status = 200;
  // The page is tiny and changes with the binary; revalidating costs nothing on loopback.
  res.set_header("Cache-Control", "no-cache");
  res.set_content(std::string(asset.body), std::string(asset.content_type).c_str());
}

// Libraries below may throw (allocation, JSON); a request must still get an answer (DESIGN §8).
template <typename F>
httplib::Server::Handler Guard(F f) {
  return [f](const httplib::Request& req, httplib::Response& res) {
    try {
      f(req, res);
    } catch (const std::exception& e) {
      LogWarning(std::string("web: request failed: ") + e.what());
      SendError(res, Status::Internal("internal error"));
    }
  };
}

// The mutating call must come from our own page: a custom header (which a cross-origin page
// cannot add without a CORS preflight we never grant) and, when sent, an Origin naming
// exactly the Host it was sent to.
bool IsSameOriginMutation(const httplib::Request& req) {
  if (!req.has_header("X-Qimg-Request")) return false;
  std::string fetch_site = req.get_header_value("Sec-Fetch-Site");
  if (!fetch_site.empty() && fetch_site != "same-origin" && fetch_site != "none") return false;
  if (req.has_header("Origin")) {
    std::string origin = req.get_header_value("Origin");
    std::string host = req.get_header_value("Host");
    if (host.empty() || (origin != "http://" + host && origin != "https://" + host)) return false;
  }
  return true;
}

int ParseSize(const httplib::Request& req) {
  if (!req.has_param("size")) return kThumbSmall;
  std::string s = req.get_param_value("size");
  if (s == "256") return kThumbSmall;
  if (s == "1024") return kThumbLarge;
  return -1;
}

}  // namespace

void MountWebRoutes(httplib::Server& svr, mcp::EnginePool* pool, const WebOptions& options) {
  auto cache = std::make_shared<ThumbCache>(options.thumb_dir);

  auto index = Guard([](const httplib::Request&, httplib::Response& res) {
    const StaticAsset* page = FindStaticAsset("/index.html");
    if (!page) return SendError(res, Status::NotFound("page missing from this build"));
    SendStatic(res, *page);
  });
  svr.Get("/", index);
  svr.Get("/index.html", index);
  svr.Get(R"(/static/([A-Za-z0-9_-]+\.(?:js|css|svg|png)))",
          Guard([](const httplib::Request& req, httplib::Response& res) {
            const StaticAsset* asset = FindStaticAsset("/" + std::string(req.matches[1]));
            if (!asset || asset->path == "/index.html")
              return SendError(res, Status::NotFound("not found"));
            SendStatic(res, *asset);
          }));

  svr.Get("/api/info", Guard([](const httplib::Request&, httplib::Response& res) {
            SendJson(res, 200, Capabilities());
          }));
  svr.Get("/api/search", Guard([pool](const httplib::Request& req, httplib::Response& res) {
            auto request = ParseSearchRequest(req.params);
            if (!request.ok()) return SendError(res, request.status());
            auto engine = pool->Acquire();
            auto page = SearchPage(*engine, *request);
            if (!page.ok()) return SendError(res, page.status());
            SendJson(res, 200, *page);
          }));
  svr.Get(R"(/api/asset/([^/]+))", Guard([pool](const httplib::Request& req, httplib::Response& res) {
            auto engine = pool->Acquire();
            auto detail = AssetDetail(*engine, std::string(req.matches[1]));
            if (!detail.ok()) return SendError(res, detail.status());
            SendJson(res, 200, *detail);
          }));
  svr.Get(R"(/api/similar/([^/]+))", Guard([pool](const httplib::Request& req, httplib::Response& res) {
            int n = 12;
            if (req.has_param("n")) {
              std::string v = req.get_param_value("n");
              if (v.empty() || v.size() > 3 || v.find_first_not_of("0123456789") != std::string::npos ||
                  std::stoi(v) < 1 || std::stoi(v) > 100)
                return SendError(res, Status::InvalidArgument("n: expected 1 to 100"));
              n = std::stoi(v);
            }
            auto engine = pool->Acquire();
            auto page = SimilarPage(*engine, std::string(req.matches[1]), n);
            if (!page.ok()) return SendError(res, page.status());
            SendJson(res, 200, *page);
          }));
  svr.Get(R"(/api/thumb/([^/]+))", Guard([pool, cache](const httplib::Request& req, httplib::Response& res) {
            int size = ParseSize(req);
            if (size < 0) return SendError(res, Status::InvalidArgument("size must be 256 or 1024"));
            AssetRow asset;
            {
              auto engine = pool->Acquire();
              auto row = ResolveIndexedAsset(*engine, std::string(req.matches[1]));
              if (!row.ok()) return SendError(res, row.status());
              asset = std::move(*row);
            }  // the engine goes back before the (slow) decode
            std::string etag = ThumbCache::EtagFor(asset, size);
            SecurityHeaders(res);
            res.set_header("ETag", etag);
            res.set_header("Cache-Control", "private, max-age=3600");
            std::string inm = req.get_header_value("If-None-Match");
            if (!inm.empty() && (inm == "*" || inm.find(etag) != std::string::npos)) {
              res.status = 304;
              return;
            }
            auto thumb = cache->Get(asset, size);
            if (!thumb.ok()) return SendError(res, thumb.status());
            res.status = 200;
            res.set_content(std::move(thumb->jpeg), "image/jpeg");
          }));
  svr.Post("/api/context", Guard([pool](const httplib::Request& req, httplib::Response& res) {
             if (!IsSameOriginMutation(req)) {
               ojson body = ojson::object();
               body["ok"] = false;
               body["error"] = "Forbidden: cross-origin request";
               return SendJson(res, 403, body);
             }
             auto engine = pool->Acquire();
             auto out = SetContext(*engine, req.body);
             if (!out.ok()) return SendError(res, out.status());
             SendJson(res, 200, *out);
           }));
}

}  // namespace qimg::web
