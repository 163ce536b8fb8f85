// Retrieval quality of search / vsearch / query / query with the original's settings, measured
// on a labelled query set (bench/query_eval/queries.tsv) over a fixture library built from
// ../shared/testdata/corpus through the real binary: collections, update, contexts on folders,
// facts extract --ocr --derived and --tags --caption, embed. Reports nDCG@10 and MRR@10 per
// method (all queries, and the "direct" and "meaning" subsets) and asserts that the new
// pipeline is at least as good as the original settings.
//
// The only image model on CI machines is the tiny random-weight CLIP of testdata/clip-tiny, so
// the image channel (vsearch, and query's vector lists) is noise here: the figures measure the
// lexical, OCR, expansion and fusion parts, with noise in the vector lists.
//
// Registered as the CTest test e2e_query_eval_test (tests/e2e/CMakeLists.txt); run it directly
// to see the table: build-*/tests/e2e/e2e_query_eval_test.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/e2e/cli_runner.h"

#ifndef QIMG_SOURCE_DIR
#error "QIMG_SOURCE_DIR must name the source tree (for bench/query_eval/queries.tsv)"
#endif

namespace qimg::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// Library folders, their contexts (written like a person sorting their pictures) and the
// corpus files they hold.
struct Folder {
  const char* dir;
  const char* context;
  std::vector<const char*> files;
};
const std::vector<Folder>& Folders() {
  static const std::vector<Folder> kFolders = {
      {"home/pets", "our pets: the cat and the dog at home", {"photos/photo-02.png", "photos/photo-15.jpg"}},
      {"farm", "horse ranch visit: horse herd and farm dog", {"photos/photo-17.jpg", "photos/photo-18.jpg"}},
      {"wildlife", "wildlife: raccoon in the garden, eagle on the shore", {"photos/photo-09.png", "photos/photo-16.jpg"}},
      {"garden", "garden macro shots: flower, bee, ladybird",
       {"photos/photo-14.jpg", "photos/photo-20.jpg", "photos/photo-22.jpg"}},
      {"textures", "close-up textures: water drop, wood, autumn leaf",
       {"photos/photo-21.jpg", "photos/photo-23.jpg", "photos/photo-25.jpg"}},
      {"walks", "weekend walks: beach dune, forest trail, lake at dawn, boardwalk",
       {"photos/photo-19.jpg", "photos/photo-24.jpg", "photos/photo-26.jpg", "photos/photo-27.jpg"}},
      {"travel", "travel: temple in Beijing, suspension bridge in Cincinnati at night",
       {"photos/photo-10.jpg", "photos/photo-12.jpg"}},
      {"space", "space exploration: astronaut portrait, rocket on the launch pad",
       {"photos/photo-01.png", "photos/photo-04.jpg"}},
      {"people", "people: photographer with a tripod, navy officer in uniform",
       {"photos/photo-06.png", "photos/photo-11.jpg"}},
      {"kitchen", "kitchen: coffee cup, citrus fruit slices, plastic cups",
       {"photos/photo-03.png", "photos/photo-13.jpg", "photos/photo-28.jpg"}},
      {"garage", "garage: my motorcycle", {"photos/photo-05.png"}},
      {"archive", "museum and lab archive: ancient coin, retina scan, wall clock",
       {"photos/photo-07.png", "photos/photo-08.jpg", "photos/photo-29.png"}},
      {"docs", "scanned documents",
       {"ocr/ocr-01.png", "ocr/ocr-02.png", "ocr/ocr-03.png", "ocr/ocr-05.png", "ocr/ocr-09.png",
        "ocr/ocr-10.jpg", "ocr/ocr-11.png", "ocr/ocr-13.png", "ocr/ocr-14.png", "ocr/ocr-15.png"}},
      {"screens", "screenshots", {"ocr/ocr-04.png", "ocr/ocr-07.png"}},
      {"receipts", "shopping receipts", {"ocr/ocr-08.png"}},
      {"signs", "street signs and posters", {"ocr/ocr-06.jpg", "ocr/ocr-12.png", "ocr/ocr-16.jpg"}},
  };
  return kFolders;
}

struct LabelledQuery {
  std::string kind, text;
  std::set<std::string> relevant;  // library rel paths
};

struct Method {
  const char* name;
  std::vector<std::string> args;  // command and options; the query and output flags are added
};

double Ndcg10(const std::vector<std::string>& ranked, const std::set<std::string>& relevant) {
  double dcg = 0, ideal = 0;
  for (size_t i = 0; i < ranked.size() && i < 10; ++i)
    if (relevant.count(ranked[i])) dcg += 1.0 / std::log2(i + 2.0);
  for (size_t i = 0; i < relevant.size() && i < 10; ++i) ideal += 1.0 / std::log2(i + 2.0);
  return ideal > 0 ? dcg / ideal : 0;
}

double Mrr10(const std::vector<std::string>& ranked, const std::set<std::string>& relevant) {
  for (size_t i = 0; i < ranked.size() && i < 10; ++i)
    if (relevant.count(ranked[i])) return 1.0 / (i + 1.0);
  return 0;
}

class QueryEval : public ::testing::Test {
 protected:
  void SetUp() override {
    sb_ = std::make_unique<CliSandbox>("query_eval");
    const std::string lib = sb_->dir() + "/lib";
    for (const auto& f : Folders()) {
      fs::create_directories(lib + "/" + f.dir);
      for (const char* file : f.files) {
        std::string dst = std::string(f.dir) + "/" + fs::path(file).filename().string();
        fs::copy_file(CorpusDir() + "/" + file, lib + "/" + dst);
        rel_of_[file] = dst;
      }
    }
    config_ = sb_->dir() + "/qimg.yml";
    std::ofstream(config_) << "embed:\n  model: " << TestdataDir() << "/clip-tiny/model\n  batch_size: 16\n";
    Must({"collection", "add", lib, "--name", "lib"});
    Must({"update"});
    for (const auto& f : Folders()) Must({"context", "add", std::string("qimg://lib/") + f.dir, f.context});
    Must({"facts", "extract", "--ocr", "--derived"});
    Must({"facts", "extract", "--tags", "--caption"});
    Must({"embed", "--images"});
  }
  CliResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config_});
    return sb_->Run(args);
  }
  void Must(const std::vector<std::string>& args) {
    auto r = Run(args);
    ASSERT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
  }
  std::vector<LabelledQuery> LoadQueries() {
    std::vector<LabelledQuery> out;
    std::ifstream in(std::string(QIMG_SOURCE_DIR) + "/bench/query_eval/queries.tsv");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> cols;
      std::stringstream ss(line);
      std::string c;
      while (std::getline(ss, c, '\t')) cols.push_back(c);
      if (cols.size() != 3) {
        ADD_FAILURE() << "bad line: " << line;
        continue;
      }
      LabelledQuery q{cols[0], cols[1], {}};
      std::stringstream rs(cols[2]);
      while (std::getline(rs, c, ',')) {
        auto it = rel_of_.find(c);
        if (it == rel_of_.end()) ADD_FAILURE() << "not in the library: " << c;
        else q.relevant.insert(it->second);
      }
      out.push_back(std::move(q));
    }
    return out;
  }
  std::vector<std::string> Ranked(const Method& m, const std::string& query) {
    std::vector<std::string> args = m.args;
    args.insert(args.begin() + 1, query);
    for (const char* a : {"-n", "10", "--json"}) args.push_back(a);
    auto r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << m.name << " '" << query << "': " << r.err;
    std::vector<std::string> out;
    json j = json::parse(r.out, nullptr, false);
    if (!j.is_array()) return out;
    for (const auto& x : j) out.push_back(x.value("rel_path", ""));
    return out;
  }

  std::unique_ptr<CliSandbox> sb_;
  std::string config_;
  std::map<std::string, std::string> rel_of_;  // corpus path -> library rel path
};

TEST_F(QueryEval, NewPipelineIsAtLeastAsGoodAsTheOriginalSettings) {
  const std::vector<Method> methods = {
      {"search", {"search"}},
      {"vsearch", {"vsearch"}},
      {"query", {"query"}},
      {"query (original settings)",
       {"query", "--expansion", "original", "--rank-bonus", "original", "--min-score", "0.75"}},
  };
  std::vector<LabelledQuery> queries = LoadQueries();
  ASSERT_GE(queries.size(), 30u);
  struct Sums {
    double ndcg = 0, mrr = 0;
    int n = 0;
  };
  std::map<std::string, std::map<std::string, Sums>> sums;  // method -> subset -> sums
  std::string per_query;
  for (const auto& q : queries) {
    per_query += "  " + q.kind + "\t" + q.text;
    for (const auto& m : methods) {
      auto ranked = Ranked(m, q.text);
      double n = Ndcg10(ranked, q.relevant), r = Mrr10(ranked, q.relevant);
      for (const std::string& subset : {std::string("all"), q.kind}) {
        Sums& s = sums[m.name][subset];
        s.ndcg += n;
        s.mrr += r;
        ++s.n;
      }
      char buf[32];
      std::snprintf(buf, sizeof buf, "\t%.2f", n);
      per_query += buf;
    }
    per_query += "\n";
  }
  std::string table =
      "| method | nDCG@10 (all) | MRR@10 (all) | nDCG@10 (direct) | nDCG@10 (meaning) |\n"
      "|---|---|---|---|---|\n";
  auto avg = [&](const char* m, const char* subset, bool ndcg) {
    const Sums& s = sums[m][subset];
    return s.n ? (ndcg ? s.ndcg : s.mrr) / s.n : 0.0;
  };
  for (const auto& m : methods) {
    char row[256];
    std::snprintf(row, sizeof row, "| %s | %.3f | %.3f | %.3f | %.3f |\n", m.name, avg(m.name, "all", true),
                  avg(m.name, "all", false), avg(m.name, "direct", true), avg(m.name, "meaning", true));
    table += row;
  }
  std::printf("query evaluation: %zu queries (%d direct, %d meaning); image model: tiny random CLIP "
              "(vector channel is noise)\n%s\nper query nDCG@10 (search, vsearch, query, original):\n%s",
              queries.size(), sums["search"]["direct"].n, sums["search"]["meaning"].n, table.c_str(),
              per_query.c_str());
  EXPECT_GE(avg("query", "all", true), avg("query (original settings)", "all", true)) << table;
}

}  // namespace
}  // namespace qimg::testing
