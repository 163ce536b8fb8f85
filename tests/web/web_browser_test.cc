// Browser end-to-end test of the gallery (issue 11): builds the web fixture library (hostile
// file name, a context with markup, an object fact with a box), adds hostile OCR text and
// image vectors from the tiny CLIP of ../shared/testdata/clip-tiny (so "similar" has
// neighbours), starts the real `qimg serve`, and runs tests/web/browser.mjs: headless Chromium
// (Debian's /usr/bin/chromium driven by playwright-core) searching, opening a result, checking
// facts and boxes, following a similar image, checking that hostile names and OCR text stay
// text, and that non-indexed paths are refused. Screenshots go to QIMG_WEB_ARTIFACT_DIR (the
// build dir's web-artifacts/); the script prints their paths.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "store/database.h"
#include "store/fact_store.h"
#include "store/lexical_store.h"
#include "tests/web/web_server.h"

namespace qimg::testing {
namespace {

// Attacker-controlled OCR text: markup, an event handler and a script tag.
const char kHostileOcr[] =
    "TOTAL 42 <b id=\"ocr-pwn\">bold</b><img src=x onerror=\"window.__pwned='ocr'\">"
    "<script>window.__pwned='ocr-script'</script>";

std::string AddHostileOcr(const CliSandbox& sb) {
  auto db = Database::Open(sb.db_path());
  if (!db.ok()) return db.status().message();
  auto st = (*db)->Prepare("SELECT id FROM assets WHERE rel_path = 'trips/kyoto/temple.jpg'");
  if (!st.ok() || !*st->Step()) return "temple.jpg not indexed";
  std::string id = st->ColumnText(0);
  FactRow f;
  f.asset_id = id;
  f.fact_type = "ocr";
  f.value_text = kHostileOcr;
  f.confidence = 0.9;
  f.source = "test_fixture@1";
  if (auto r = InsertFact(db->get(), f); !r.ok()) return r.status().message();
  if (auto s = RefreshLexical(db->get(), {id}); !s.ok()) return s.message();
  return "";
}

// Runs the browser script; returns its exit status, its output in *out.
int RunBrowserScript(const std::string& base_url, const std::string& artifacts, std::string* out) {
  std::string log = artifacts + "/browser.log";
  pid_t pid = ::fork();
  if (pid == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(in, 0);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::string script = std::string(QIMG_SOURCE_DIR) + "/tests/web/browser.mjs";
    ::execl(QIMG_NODE_BIN, QIMG_NODE_BIN, script.c_str(), base_url.c_str(), artifacts.c_str(), kHostileOcr,
            nullptr);
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(WebBrowser, GalleryWorksInHeadlessChromium) {
  CliSandbox sb("webbrowser");
  ASSERT_EQ(BuildWebFixture(sb), "");
  ASSERT_EQ(AddHostileOcr(sb), "");
  // Image vectors with the tiny CLIP: the sandbox's XDG config dir is the serve process's too.
  std::filesystem::create_directories(sb.dir() + "/config/qimg");
  std::ofstream(sb.dir() + "/config/qimg/config.yaml")
      << "embed:\n  model: " << TestdataDir() << "/clip-tiny/model\n  batch_size: 4\n";
  auto embed = sb.Run({"embed"});
  ASSERT_EQ(embed.exit_code, 0) << embed.err;

  ServeProcess server(sb, FreeLoopbackPort());
  ASSERT_TRUE(server.ok()) << server.log();
  const std::string artifacts = QIMG_WEB_ARTIFACT_DIR;
  std::filesystem::create_directories(artifacts);
  std::string out;
  int rc = RunBrowserScript("http://127.0.0.1:" + std::to_string(server.port()), artifacts, &out);
  std::printf("%s", out.c_str());  // the script's steps and the screenshot paths, for the CI log
  EXPECT_EQ(rc, 0) << "browser script failed (log: " << artifacts << "/browser.log)\nserver log:\n"
                   << server.log();
}

}  // namespace
}  // namespace qimg::testing
