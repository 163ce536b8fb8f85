// End-to-end tests of `qimg search` (issue 3): every channel, filter and output mode, hostile
// queries, accent folding and split-channel scoring, through the real binary over a small
// library copied from ../shared/testdata/corpus.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "store/context_store.h"
#include "store/database.h"
#include "store/fact_store.h"
#include "store/lexical_store.h"
#include "tests/e2e/cli_runner.h"
#include "tests/e2e/search_schema.h"

namespace qimg::testing {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;
using Ids = std::vector<std::string>;

// The library: (path under lib/, corpus file). Names and folders feed the namefolder channel,
// the metadata copies bring XMP captions/keywords (facts), contexts are added below.
const std::vector<std::pair<std::string, std::string>> kFiles = {
    {"photos/trips/kyoto/IMG_0042.jpg", "photos/photo-04.jpg"},         // no EXIF: mtime date
    {"photos/trips/kyoto/IMG_0043.jpg", "metadata/meta-exif-full.jpg"},  // 800x586, 2019-06-21
    {"photos/pets/cat.jpg", "metadata/meta-xmp.jpg"},                    // "tabby cat" facts
    {"photos/pets/raccoon.webp", "metadata/meta-webp.webp"},             // "raccoon" facts
    {"photos/misc/unicode.jpg", "metadata/meta-unicode.jpg"},            // "café" facts
    {"photos/misc/under_score/one.jpg", "metadata/meta-none.jpg"},
    {"photos/misc/underXscore/two.jpg", "metadata/meta-none.jpg"},
    {"photos/split/ctx/x.jpg", "metadata/meta-none.jpg"},
    {"photos/split/fct/y.jpg", "metadata/meta-none.jpg"},
    {"other/astronaut.png", "metadata/meta-png.png"},  // "astronaut portrait" facts
};

ojson Json(const CliResult& r) {
  ojson j = ojson::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

class SearchE2e : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sb_ = new CliSandbox("search");
    std::string lib = sb_->dir() + "/lib";
    for (const auto& [dst, src] : kFiles) {
      fs::create_directories(fs::path(lib + "/" + dst).parent_path());
      fs::copy_file(CorpusDir() + "/" + src, lib + "/" + dst);
    }
    Must({"collection", "add", lib + "/photos", "--name", "photos"});
    Must({"collection", "add", lib + "/other", "--name", "other"});
    Must({"update"});
    Must({"context", "add", "qimg://photos/trips", "Japan trip: temples and gardens"});
    Must({"context", "add", "qimg://photos/split/ctx", "sunset"});
    // No `facts add` command exists: write one caption through the store API, then refresh the
    // lexical doc exactly as the engine does.
    auto db = Database::Open(sb_->db_path());
    ASSERT_TRUE(db.ok()) << db.status().message();
    auto st = (*db)->Prepare("SELECT id FROM assets WHERE rel_path = 'split/fct/y.jpg'");
    ASSERT_TRUE(st.ok());
    ASSERT_TRUE(*st->Step());
    std::string y = st->ColumnText(0);
    FactRow f;
    f.asset_id = y;
    f.fact_type = "caption";
    f.value_text = "sunset";
    f.source = "test_fixture@1";
    ASSERT_TRUE(InsertFact(db->get(), f).ok());
    ASSERT_TRUE(RefreshLexical(db->get(), {y}).ok());
  }
  static void TearDownTestSuite() { delete sb_; }

  static void Must(const std::vector<std::string>& args) {
    auto r = sb_->Run(args);
    ASSERT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
  }
  static CliResult Search(std::vector<std::string> args) {
    args.insert(args.begin(), "search");
    return sb_->Run(args);
  }
  // rel_paths of a --json search, in order.
  static Ids Paths(std::vector<std::string> args) {
    args.push_back("--json");
    auto r = Search(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    Ids out;
    ojson j = Json(r);
    if (j.is_array())
      for (const auto& o : j) out.push_back(o["rel_path"]);
    return out;
  }
  static CliSandbox* sb_;
};
CliSandbox* SearchE2e::sb_ = nullptr;

TEST_F(SearchE2e, NameAndFolderChannel) {
  auto r = Search({"kyoto", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ojson j = Json(r);
  ASSERT_EQ(j.size(), 2u);
  for (const auto& o : j) {
    EXPECT_GT(o["scores"]["lexical_namefolder"].get<double>(), 0);
    EXPECT_EQ(o["scores"]["lexical_total"], o["scores"]["overall"]);
    EXPECT_TRUE(o["scores"]["vector"].is_null());
    EXPECT_TRUE(o["scores"]["rrf"].is_null());
  }
  // All of img, 0042 first; assets with only "img" fill in below.
  EXPECT_EQ(Paths({"img_0042"})[0], "trips/kyoto/IMG_0042.jpg");
  EXPECT_EQ(Paths({"img_0042", "-n", "1"}), (Ids{"trips/kyoto/IMG_0042.jpg"}));
  EXPECT_EQ(Paths({"IMG_0043.JPG", "-n", "1"}), (Ids{"trips/kyoto/IMG_0043.jpg"}));
}

TEST_F(SearchE2e, ContextChannel) {
  auto r = Search({"temples", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ojson j = Json(r);
  ASSERT_EQ(j.size(), 2u);
  for (const auto& o : j) {
    EXPECT_GT(o["scores"]["lexical_context"].get<double>(), 0);
    EXPECT_EQ(o["scores"]["lexical_namefolder"].get<double>(), 0);
    EXPECT_EQ(o["scores"]["contributions"], ojson::array({"lexical:context"}));
  }
}

TEST_F(SearchE2e, FactsChannel) {
  auto r = Search({"tabby", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ojson j = Json(r);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["rel_path"], "pets/cat.jpg");
  EXPECT_GT(j[0]["scores"]["lexical_facts"].get<double>(), 0);
  EXPECT_EQ(j[0]["scores"]["lexical_context"].get<double>(), 0);
  EXPECT_EQ(Paths({"raccoon"}), (Ids{"pets/raccoon.webp"}));
  EXPECT_EQ(Paths({"astronaut"}), (Ids{"astronaut.png"}));
}

// SPEC §14 test_fts_split_scoring.
TEST_F(SearchE2e, ContextOutranksFactsAtEqualBm25) {
  auto r = Search({"sunset", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ojson j = Json(r);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["rel_path"], "split/ctx/x.jpg");
  EXPECT_EQ(j[1]["rel_path"], "split/fct/y.jpg");
  double ctx = j[0]["scores"]["lexical_context"], fct = j[1]["scores"]["lexical_facts"];
  EXPECT_GT(ctx, 0);
  EXPECT_DOUBLE_EQ(ctx, fct);
  EXPECT_NEAR(j[0]["scores"]["overall"].get<double>() / j[1]["scores"]["overall"].get<double>(),
              1.2, 1e-9);
}

TEST_F(SearchE2e, AccentsAndCaseAreFolded) {
  for (const char* q : {"café", "cafe", "CAFÉ", "Cafe"}) {
    EXPECT_EQ(Paths({q}), (Ids{"misc/unicode.jpg"})) << q;
  }
}

TEST_F(SearchE2e, AllWordsFirstThenAnyWord) {
  // No asset has both words: each word's asset still comes back.
  auto p = Paths({"tabby raccoon"});
  std::sort(p.begin(), p.end());
  EXPECT_EQ(p, (Ids{"pets/cat.jpg", "pets/raccoon.webp"}));
  // Both words in one asset: it comes first, partial matches after it.
  p = Paths({"kyoto IMG_0042"});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], "trips/kyoto/IMG_0042.jpg");
}

TEST_F(SearchE2e, NumAllAndMinScore) {
  EXPECT_EQ(Paths({"jpg"}).size(), 8u);  // every .jpg name (default -n 10)
  EXPECT_EQ(Paths({"jpg", "-n", "3"}).size(), 3u);
  EXPECT_EQ(Paths({"jpg", "--num", "1"}).size(), 1u);
  EXPECT_EQ(Paths({"jpg", "--all"}).size(), 8u);
  EXPECT_TRUE(Paths({"kyoto", "--min-score", "0.99"}).empty());
  EXPECT_EQ(Paths({"kyoto", "--min-score", "0.0"}).size(), 2u);
  for (const char* bad : {"0", "-1", "abc"}) {
    auto r = Search({"kyoto", "-n", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_TRUE(r.out.empty());
  }
  EXPECT_EQ(Search({"kyoto", "--min-score", "high"}).exit_code, 2);
}

TEST_F(SearchE2e, CollectionAndPathPrefixFilters) {
  EXPECT_EQ(Paths({"portrait astronaut", "-c", "other"}), (Ids{"astronaut.png"}));
  EXPECT_TRUE(Paths({"astronaut", "-c", "photos"}).empty());
  EXPECT_TRUE(Paths({"astronaut", "-c", "Other"}).empty());  // exact name
  // '_' is a literal character, not a wildcard; the prefix is case-sensitive.
  EXPECT_EQ(Paths({"jpg", "--path-prefix", "misc/under_score/"}), (Ids{"misc/under_score/one.jpg"}));
  EXPECT_TRUE(Paths({"jpg", "--path-prefix", "MISC/"}).empty());
  auto pets = Paths({"cat raccoon", "--path-prefix", "qimg://photos/pets"});
  std::sort(pets.begin(), pets.end());
  EXPECT_EQ(pets, (Ids{"pets/cat.jpg", "pets/raccoon.webp"}));
  EXPECT_TRUE(Paths({"astronaut", "--path-prefix", "qimg://photos/"}).empty());
  auto conflict = Search({"jpg", "-c", "other", "--path-prefix", "qimg://photos/pets"});
  EXPECT_EQ(conflict.exit_code, 2);
}

TEST_F(SearchE2e, CaptureDateFilters) {
  // IMG_0043 was taken 2019-06-21 21:47:03 (EXIF); IMG_0042 has no EXIF date, so its capture
  // time is the copy's mtime (today).
  EXPECT_EQ(Paths({"kyoto", "--after", "2019-06-21", "--before", "2019-06-21"}),
            (Ids{"trips/kyoto/IMG_0043.jpg"}));
  EXPECT_EQ(Paths({"kyoto", "--after", "2019-06-21T21:47:03", "--before", "2019-06-21T21:47:03"}),
            (Ids{"trips/kyoto/IMG_0043.jpg"}));
  EXPECT_TRUE(Paths({"kyoto", "--after", "2019-06-21T21:48"}) ==
              (Ids{"trips/kyoto/IMG_0042.jpg"}));
  EXPECT_TRUE(Paths({"kyoto", "--before", "2019-06-20"}).empty());
  EXPECT_EQ(Paths({"kyoto", "--after", "2020-01-01"}), (Ids{"trips/kyoto/IMG_0042.jpg"}));
  for (const char* flag : {"--after", "--before"}) {
    auto r = Search({"kyoto", flag, "last tuesday"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(flag), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
}

TEST_F(SearchE2e, SizeFilters) {
  EXPECT_EQ(Paths({"kyoto", "--min-width", "700"}), (Ids{"trips/kyoto/IMG_0043.jpg"}));
  EXPECT_EQ(Paths({"kyoto", "--min-height", "500"}), (Ids{"trips/kyoto/IMG_0043.jpg"}));
  EXPECT_EQ(Paths({"kyoto", "--min-width", "640", "--min-height", "427"}).size(), 2u);
  EXPECT_TRUE(Paths({"kyoto", "--min-width", "100000"}).empty());
  EXPECT_EQ(Search({"kyoto", "--min-width", "wide"}).exit_code, 2);
  EXPECT_EQ(Search({"kyoto", "--min-width", "-5"}).exit_code, 2);
}

TEST_F(SearchE2e, HumanOutput) {
  auto r = Search({"tabby"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string abs = sb_->dir() + "/lib/photos/pets/cat.jpg";
  EXPECT_EQ(r.out.rfind("1. #", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("  " + abs + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("   Caption: A tabby cat looking towards the camera\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Debug:"), std::string::npos);
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);  // no colour on a pipe
  auto d = Search({"tabby", "--debug"});
  EXPECT_NE(d.out.find("   Debug: overall="), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("   Channels: lexical:facts\n"), std::string::npos) << d.out;
  auto none = Search({"zzzzunknownword"});
  EXPECT_EQ(none.exit_code, 0);
  EXPECT_EQ(none.out, "no results\n");
}

TEST_F(SearchE2e, FilesOutput) {
  auto r = Search({"kyoto", "--files"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream in(r.out);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    std::vector<std::string> cols;
    std::stringstream ls(line);
    for (std::string c; std::getline(ls, c, '\t');) cols.push_back(c);
    if (line.back() == '\t') cols.push_back("");
    ASSERT_EQ(cols.size(), 7u) << line;
    EXPECT_EQ(cols[0][0], '#');
    EXPECT_EQ(cols[1].size(), 6u) << cols[1];  // 0.xxxx
    EXPECT_EQ(cols[2].rfind(sb_->dir() + "/lib/photos/trips/kyoto/IMG_004", 0), 0u);
    EXPECT_EQ(cols[3], "Japan trip: temples and gardens");
    if (cols[2].ends_with("IMG_0043.jpg")) {
      EXPECT_EQ(cols[4], "800");
      EXPECT_EQ(cols[5], "586");
      EXPECT_EQ(cols[6].rfind("2019-06-21", 0), 0u) << cols[6];
    } else {
      EXPECT_EQ(cols[6], "");  // no capture date in EXIF: empty, not "None"
    }
  }
  EXPECT_EQ(lines, 2);
  EXPECT_EQ(Search({"zzzzunknownword", "--files"}).out, "");
  // --json wins over --files.
  EXPECT_EQ(Search({"kyoto", "--files", "--json"}).out.rfind("[\n", 0), 0u);
}

TEST_F(SearchE2e, JsonOutputMatchesTheDocumentedSchema) {
  std::ifstream in(QIMG_RESULT_SCHEMA);
  ojson schema = ojson::parse(in, nullptr, false);
  ASSERT_FALSE(schema.is_discarded());
  for (const char* q : {"kyoto", "tabby", "café", "jpg", "sunset", "zzzzunknownword"}) {
    auto r = Search({q, "--json", "--all"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ojson j = Json(r);
    auto errors = ValidateJson(schema, j);
    EXPECT_TRUE(errors.empty()) << q << ": " << (errors.empty() ? "" : errors[0]);
  }
  // Pretty JSON, 2-space indent, non-ASCII escaped (SPEC §1.7).
  auto r = Search({"café", "--json"});
  EXPECT_EQ(r.out.rfind("[\n  {\n    \"id\": \"#", 0), 0u) << r.out.substr(0, 40);
  EXPECT_NE(r.out.find("caf\\u00e9"), std::string::npos);
  EXPECT_EQ(Search({"zzzzunknownword", "--json"}).out, "[]\n");
  // The validator itself rejects a broken result.
  ojson bad = Json(Search({"kyoto", "--json"}));
  bad[0]["scores"]["overall"] = nullptr;
  EXPECT_FALSE(ValidateJson(schema, bad).empty());
  ojson reordered = Json(Search({"kyoto", "--json"}));
  ojson moved = reordered[0]["id"];
  reordered[0].erase("id");
  reordered[0]["id"] = moved;
  EXPECT_FALSE(ValidateJson(schema, reordered).empty());
}

TEST_F(SearchE2e, HostileQueriesNeverCrash) {
  const std::vector<std::string> hostile = {
      "white-kitchen", "it's", "\"unbalanced", "kyoto*", "*", "(kyoto", "kyoto)", "NOT kyoto",
      "kyoto OR", "AND", "OR OR OR", "NEAR(kyoto temples, 2)", "filename_col:kyoto", "#03d12b",
      "/etc/passwd", "../../x", "qimg://photos/trips", "a'b\"c", "kyoto^2", "{kyoto}",
      "'; DROP TABLE assets; --", "☕", "🙂🙂", "\xff\xfe", "%_%", "\\", "-kyoto", "+kyoto",
      std::string(5000, 'a'), std::string(300, '('), "kyoto\ttemples\nx"};
  for (const auto& q : hostile) {
    auto r = Search({q});
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 2) << q << " -> " << r.exit_code << r.err;
    if (r.exit_code == 2) {
      EXPECT_FALSE(r.err.empty()) << q;
    }
    auto j = Search({q, "--json"});
    if (j.exit_code == 0) {
      EXPECT_FALSE(Json(j).is_discarded());
    }
  }
  EXPECT_EQ(Paths({"NOT kyoto"}).size(), 2u);  // NOT is a word, kyoto still matches
  EXPECT_EQ(Paths({"filename_col:kyoto"}).size(), 2u);
  // A query starting with '-' reads as an option unless it follows "--".
  EXPECT_EQ(Search({"-kyoto"}).exit_code, 2);
  auto dashed = Search({"--json", "--", "-kyoto"});
  ASSERT_EQ(dashed.exit_code, 0) << dashed.err;
  EXPECT_EQ(Json(dashed).size(), 2u);
  auto empty = Search({""});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("search needs a query"), std::string::npos) << empty.err;
  for (const char* q : {"   ", "!!!", "-- ** ()", "\"\""}) {
    auto r = Search({q});
    EXPECT_EQ(r.exit_code, 2) << q;
    EXPECT_TRUE(r.out.empty());
  }
  EXPECT_EQ(sb_->Run({"search"}).exit_code, 2);  // missing QUERY
}

}  // namespace
}  // namespace qimg::testing
