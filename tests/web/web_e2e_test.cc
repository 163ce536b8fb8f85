// End-to-end tests of `qimg serve` (issue 11): the real binary on a free loopback port over a
// fixture library with a hostile file name, checked with cpp-httplib's client: the page and its
// headers, the search API and paging, thumbnails with ETag/304, id validation and traversal
// attempts, cross-origin and foreign-Host refusals, context editing, and /mcp on the same port.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "tests/web/web_server.h"

namespace qimg::testing {
namespace {

using json = nlohmann::json;

std::string Encode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

class WebE2e : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sb_ = new CliSandbox("web");
    std::string err = BuildWebFixture(*sb_);
    ASSERT_EQ(err, "");
    server_ = new ServeProcess(*sb_, FreeLoopbackPort());
    ASSERT_TRUE(server_->ok()) << server_->log();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete sb_;
  }

  static httplib::Client Client() {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(30, 0);
    return c;
  }
  static json Get(const std::string& path, int want = 200) {
    auto res = Client().Get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return json();
    EXPECT_EQ(res->status, want) << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff") << path;
    json j = json::parse(res->body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << res->body;
    return j;
  }
  static std::string IdOf(const std::string& rel_path) {
    json page = Get("/api/search?q=" + Encode(rel_path.substr(rel_path.rfind('/') + 1)) + "&n=50");
    for (const auto& r : page["results"])
      if (r["rel_path"] == rel_path) return r["id"];
    ADD_FAILURE() << "no result for " << rel_path << ": " << page.dump();
    return "";
  }
  static std::string Hex(const std::string& id) { return id.substr(1); }

  static CliSandbox* sb_;
  static ServeProcess* server_;
};
CliSandbox* WebE2e::sb_ = nullptr;
ServeProcess* WebE2e::server_ = nullptr;

TEST_F(WebE2e, ServesThePageWithStrictHeaders) {
  auto res = Client().Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->get_header_value("Content-Type").find("text/html"), std::string::npos);
  std::string csp = res->get_header_value("Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("img-src 'self' data:"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_NE(res->body.find("<script src=\"/static/app.js\""), std::string::npos);
  EXPECT_EQ(res->body.find("<script>"), std::string::npos) << "no inline script";
  auto js = Client().Get("/static/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_NE(js->get_header_value("Content-Type").find("javascript"), std::string::npos);
  EXPECT_EQ(js->body.find("innerHTML"), std::string::npos) << "the page builds DOM with textContent";
  auto css = Client().Get("/static/style.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->status, 200);
  EXPECT_EQ(Client().Get("/static/nope.js")->status, 404);
}

TEST_F(WebE2e, InfoOffersEveryMode) {
  json info = Get("/api/info");
  EXPECT_TRUE(info["modes"]["search"]["available"].get<bool>());
  EXPECT_TRUE(info["modes"]["vsearch"]["available"].get<bool>());
  EXPECT_TRUE(info["modes"]["query"]["available"].get<bool>());
  EXPECT_FALSE(info["modes"]["query"].contains("reason"));
}

TEST_F(WebE2e, HybridQueryModeAnswersWithoutAnImageModel) {
  // No image model is installed here: the hybrid query answers from the lexical channels.
  json page = Get("/api/search?q=kyoto&mode=query&n=50");
  ASSERT_EQ(page["mode"], "query") << page.dump();
  EXPECT_EQ(page["results"].size(), 3u) << page.dump();
}

TEST_F(WebE2e, SearchReturnsPagedResultsWithThumbLinks) {
  json all = Get("/api/search?q=kyoto&n=50");
  ASSERT_EQ(all["results"].size(), 3u) << all.dump();
  EXPECT_FALSE(all["has_more"].get<bool>());
  for (const auto& r : all["results"]) {
    EXPECT_EQ(r["thumb"], "/api/thumb/" + Hex(r["id"]) + "?size=256");
    EXPECT_TRUE(r["scores"]["overall"].is_number());
  }
  json p1 = Get("/api/search?q=kyoto&n=2");
  json p2 = Get("/api/search?q=kyoto&n=2&offset=2");
  ASSERT_EQ(p1["results"].size(), 2u);
  EXPECT_TRUE(p1["has_more"].get<bool>());
  ASSERT_EQ(p2["results"].size(), 1u);
  EXPECT_FALSE(p2["has_more"].get<bool>());
  EXPECT_EQ(p2["results"][0]["id"], all["results"][2]["id"]);
  // Filters are the CLI's: a collection that does not exist matches nothing, a bad date is 400.
  EXPECT_EQ(Get("/api/search?q=kyoto&collection=other")["results"].size(), 0u);
  EXPECT_EQ(Get("/api/search?q=kyoto&path_prefix=pets/")["results"].size(), 0u);
  EXPECT_NE(Get("/api/search?q=kyoto&after=yesterday", 400)["error"].get<std::string>().find("after"),
            std::string::npos);
  Get("/api/search?q=kyoto&n=0", 400);
  Get("/api/search?q=kyoto&mode=bogus", 400);
  Get("/api/search?q=", 400);
}

TEST_F(WebE2e, HostileNamesAndContextsComeBackAsData) {
  std::string hostile = "pets/<img src=x onerror=alert(1)>.jpg";
  std::string id = IdOf(hostile);
  ASSERT_FALSE(id.empty());
  json d = Get("/api/asset/%23" + Hex(id));
  EXPECT_EQ(d["rel_path"], hostile);
  json t = Get("/api/asset/%23" + Hex(IdOf("trips/kyoto/temple.jpg")));
  ASSERT_EQ(t["contexts"].size(), 1u);
  EXPECT_NE(t["contexts"][0]["text"].get<std::string>().find("<script>"), std::string::npos);
  ASSERT_EQ(t["boxes"].size(), 1u) << t.dump();
  EXPECT_EQ(t["boxes"][0]["label"], "pagoda");
  EXPECT_EQ(t["boxes"][0]["bbox_xyxy"].size(), 4u);
  EXPECT_EQ(t["folder"], "qimg://photos/trips/kyoto");
  EXPECT_EQ(t["image"], "/api/thumb/" + Hex(t["id"]) + "?size=1024");
}

TEST_F(WebE2e, ThumbnailsAreCachedJpegsWithEtags) {
  std::string hex = Hex(IdOf("pets/cat.jpg"));
  auto res = Client().Get("/api/thumb/" + hex + "?size=256");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "image/jpeg");
  ASSERT_GE(res->body.size(), 3u);
  EXPECT_EQ(static_cast<unsigned char>(res->body[0]), 0xFF);
  EXPECT_EQ(static_cast<unsigned char>(res->body[1]), 0xD8);
  std::string etag = res->get_header_value("ETag");
  EXPECT_FALSE(etag.empty());
  EXPECT_NE(res->get_header_value("Cache-Control").find("max-age"), std::string::npos);
  auto again = Client().Get("/api/thumb/%23" + hex + "?size=256", {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  auto cached = Client().Get("/api/thumb/" + hex + "?size=256");  // from the disk cache now
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->body, res->body);
  EXPECT_EQ(cached->get_header_value("ETag"), etag);
  auto large = Client().Get("/api/thumb/" + hex + "?size=1024");
  ASSERT_TRUE(large);
  EXPECT_EQ(large->status, 200);
  EXPECT_NE(large->get_header_value("ETag"), etag);
  EXPECT_EQ(Client().Get("/api/thumb/" + hex + "?size=99")->status, 400);
}

TEST_F(WebE2e, OnlyIndexedAssetsAreServed) {
  for (const std::string path : {"/api/thumb/ffffffffffff", "/api/asset/%23ffffffffffff",
                                 "/api/thumb/%23ffffffffffff?size=1024"})
    EXPECT_EQ(Client().Get(path)->status, 404) << path;
  for (const std::string& path : std::vector<std::string>{"/api/thumb/../../etc/passwd", "/api/thumb/..%2F..%2Fetc%2Fpasswd", "/api/thumb/%2Fetc%2Fpasswd",
        "/api/asset/..%2f..%2fetc%2fpasswd", "/api/thumb/zz", "/static/../../etc/passwd",
        "/static/..%2f..%2fetc%2fpasswd", "/static/%2e%2e/%2e%2e/etc/passwd", "/../../etc/passwd",
        "/api/thumb/" + Encode(sb_->dir() + "/lib/pets/cat.jpg")}) {
    auto res = Client().Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_TRUE(res->status == 400 || res->status == 404) << path << " -> " << res->status;
    EXPECT_EQ(res->body.find("root:"), std::string::npos) << path;
    EXPECT_NE(res->get_header_value("Content-Type"), "image/jpeg") << path;
  }
}

TEST_F(WebE2e, ContextEditsNeedSameOriginAndTheCustomHeader) {
  std::string body = R"({"path": "qimg://photos/pets", "text": "our pets <b>at home</b>"})";
  std::string own = "http://127.0.0.1:" + std::to_string(server_->port());
  struct Case {
    httplib::Headers headers;
    const char* why;
  };
  for (const Case& c : std::vector<Case>{
           {{{"Origin", "http://evil.example"}, {"X-Qimg-Request", "1"}}, "foreign origin"},
           {{{"Origin", "http://localhost:1"}, {"X-Qimg-Request", "1"}}, "other loopback origin"},
           {{{"Origin", own}}, "no custom header"},
           {{}, "no custom header, no origin"},
           {{{"X-Qimg-Request", "1"}, {"Sec-Fetch-Site", "cross-site"}}, "cross-site fetch"}}) {
    auto res = Client().Post("/api/context", c.headers, body, "application/json");
    ASSERT_TRUE(res) << c.why;
    EXPECT_EQ(res->status, 403) << c.why << ": " << res->body;
  }
  EXPECT_EQ(Get("/api/search?q=home")["results"].size(), 0u);
  auto ok = Client().Post("/api/context", {{"Origin", own}, {"X-Qimg-Request", "1"}}, body,
                          "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(Get("/api/search?q=home")["results"].size(), 3u) << "the context reached the index";
  auto bad = Client().Post("/api/context", {{"X-Qimg-Request", "1"}}, "{not json", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  auto bad_path = Client().Post("/api/context", {{"X-Qimg-Request", "1"}},
                                R"({"path": "/etc", "text": "x"})", "application/json");
  ASSERT_TRUE(bad_path);
  EXPECT_EQ(bad_path->status, 400);
}

TEST_F(WebE2e, ForeignHostAndOriginAreRefused) {
  auto host = Client().Get("/", {{"Host", "evil.example"}});
  ASSERT_TRUE(host);
  EXPECT_EQ(host->status, 403);
  auto api = Client().Get("/api/search?q=kyoto", {{"Host", "rebind.example:8181"}});
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 403);
  auto origin = Client().Get("/api/info", {{"Origin", "https://evil.example"}});
  ASSERT_TRUE(origin);
  EXPECT_EQ(origin->status, 403);
}

TEST_F(WebE2e, McpKeepsWorkingOnTheSamePort) {
  std::string init = R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";
  auto res = Client().Post("/mcp", init, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_FALSE(res->get_header_value("Mcp-Session-Id").empty());
}

}  // namespace
}  // namespace qimg::testing
