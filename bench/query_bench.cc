// query_bench: latency of the hybrid `query` inside a running MCP server (issue 7).
//
// Builds (or reuses) the synthetic library of synthetic_library.h (default 100,000 assets),
// configures --model as the image model (e.g. the random ViT-B/32-shaped CLIP written by
// bench/make_random_clip.py) and inserts one synthetic image vector per asset straight into
// the `vectors` table under the model id qimg derives for it ("<embed.model>:d<projection_dim>"):
// unit vectors of a random linear map of a 32-d latent plus noise (embedding-like, as
// vector_bench --latent 32). `qimg repair` then writes the model's index file (HNSW above 20,000
// vectors) so the server starts from a complete index. Then it starts `qimg mcp --http`, opens
// a session and calls the tool qimg_deep_search for --warmup queries (not measured) and
// --queries distinct queries (measured, one at a time), reporting p50/p95/max round-trip
// latency and the server's resident memory. Queries are generated from the library's own
// vocabulary (place, event, adjective, subject), so every channel has work to do.
//
//   query_bench --qimg build/src/cli/qimg --model /tmp/clip-vitb32 [--assets 100000]
//               [--queries 200] [--warmup 20] [--dir /tmp/qimg_query_bench] [--port 0]
//               [--tool qimg_deep_search] [--hold-s 0]
// --hold-s N keeps the server up N s after the run (attach a profiler to the printed pid).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/synthetic_library.h"
#include "store/database.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

int RunChild(const std::string& qimg, const std::vector<std::string>& args) {
  std::fflush(stdout);
  pid_t pid = ::fork();
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::vector<char*> argv{const_cast<char*>(qimg.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(qimg.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

long RssMbOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) / 1024;
  return -1;
}

// CPU time (user + system, all threads) a process has used so far, in ms.
double CpuMsOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = all.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(all.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// One embedding-like unit vector per asset, written in one transaction.
bool InsertVectors(const std::string& db_path, const std::string& model_id, int dim, bool* inserted) {
  *inserted = false;
  auto db_or = qimg::Database::Open(db_path);
  if (!db_or.ok()) return false;
  qimg::Database* db = db_or->get();
  auto n = db->QueryInt("SELECT count(*) FROM vectors WHERE model_id = '" + model_id + "'");
  auto assets = db->QueryInt("SELECT count(*) FROM assets");
  if (n.ok() && assets.ok() && *n == *assets) return true;  // reused
  auto t0 = Clock::now();
  const int latent = 32;
  std::mt19937 rng(7);
  std::normal_distribution<float> g;
  std::vector<float> a(static_cast<size_t>(dim) * latent), z(latent), row(dim);
  for (float& x : a) x = g(rng);
  qimg::Transaction tx(db);
  if (!tx.begin_status().ok()) return false;
  auto ids = db->Prepare("SELECT id FROM assets ORDER BY rowid");
  auto ins = db->Prepare(
      "INSERT OR REPLACE INTO vectors(asset_id, model_id, embedding, updated_at, input_hash) "
      "VALUES (?1, ?2, ?3, '2025-01-01T00:00:00+00:00', 'synthetic')");
  if (!ids.ok() || !ins.ok()) return false;
  int64_t count = 0;
  while (*ids->Step()) {
    for (float& x : z) x = g(rng);
    double s = 0;
    for (int j = 0; j < dim; ++j) {
      float acc = 0.3f * g(rng);
      for (int k = 0; k < latent; ++k) acc += a[static_cast<size_t>(j) * latent + k] * z[k];
      row[j] = acc;
      s += acc * acc;
    }
    for (float& x : row) x = static_cast<float>(x / std::sqrt(s));
    (void)ins->Reset();
    ins->Bind(1, ids->ColumnText(0)).Bind(2, model_id).BindBlob(3, row.data(), row.size() * 4);
    if (!ins->Run().ok()) return false;
    ++count;
  }
  if (!tx.Commit().ok()) return false;
  *inserted = true;
  std::printf("inserted %lld synthetic %d-d vectors for %s in %.1f s\n", static_cast<long long>(count), dim,
              model_id.c_str(), Ms(t0, Clock::now()) / 1000);
  return true;
}

std::vector<std::string> MakeQueries(size_t n, uint32_t seed) {
  const char* places[] = {"kyoto", "paris", "lisbon", "berlin", "oslo", "rome", "tokyo", "beach", "garden"};
  const char* events[] = {"wedding", "birthday", "holiday", "trip", "hike", "concert", "picnic"};
  const char* adjs[] = {"red", "blue", "old", "small", "misty", "sunny", "wooden", "ancient"};
  const char* subjects[] = {"cat", "dog", "bridge", "temple", "car", "bicycle", "sunset", "boat",
                            "train", "castle", "cake", "horse", "tower", "lantern", "receipt"};
  std::mt19937 rng(seed);
  auto pick = [&](auto& arr) { return std::string(arr[rng() % (sizeof(arr) / sizeof(arr[0]))]); };
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    switch (i % 4) {
      case 0: out.push_back(pick(subjects)); break;
      case 1: out.push_back(pick(adjs) + " " + pick(subjects)); break;
      case 2: out.push_back(pick(events) + " in " + pick(places)); break;
      default: out.push_back("a " + pick(adjs) + " " + pick(subjects) + " near the " + pick(subjects)); break;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string qimg, model, dir = "/tmp/qimg_query_bench", tool = "qimg_deep_search";
  int n = 100000, queries = 200, warmup = 20, port = 0, hold_s = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--qimg") qimg = argv[i + 1];
    else if (a == "--model") model = argv[i + 1];
    else if (a == "--assets") n = std::atoi(argv[i + 1]);
    else if (a == "--queries") queries = std::atoi(argv[i + 1]);
    else if (a == "--warmup") warmup = std::atoi(argv[i + 1]);
    else if (a == "--dir") dir = argv[i + 1];
    else if (a == "--port") port = std::atoi(argv[i + 1]);
    else if (a == "--tool") tool = argv[i + 1];
    else if (a == "--hold-s") hold_s = std::atoi(argv[i + 1]);
  }
  if (qimg.empty() || model.empty() || n <= 0 || queries <= 0) {
    std::fprintf(stderr, "usage: query_bench --qimg PATH --model CLIP_DIR [--assets N] [--queries Q] ...\n");
    return 2;
  }
  setvbuf(stdout, nullptr, _IOLBF, 0);
  qimg = fs::absolute(qimg).string();
  model = fs::absolute(model).string();
  int dim = 0;
  {
    std::ifstream in(model + "/config.json");
    json cfg = json::parse(in, nullptr, false);
    if (cfg.is_discarded() || !cfg.contains("projection_dim")) {
      std::fprintf(stderr, "query_bench: %s/config.json has no projection_dim\n", model.c_str());
      return 1;
    }
    dim = cfg["projection_dim"].get<int>();
  }
  const std::string db_path = dir + "/cache/qimg/qimg.sqlite3";
  ::setenv("XDG_CONFIG_HOME", (dir + "/config").c_str(), 1);
  ::setenv("XDG_CACHE_HOME", (dir + "/cache").c_str(), 1);
  bool reuse = false;
  if (fs::exists(db_path)) {
    auto db = qimg::Database::Open(db_path);
    reuse = db.ok() && (*db)->QueryInt("SELECT count(*) FROM assets").value_or(-1) == n;
  }
  if (!reuse) {
    fs::remove_all(dir);
    if (!qimg::bench::BuildLibrary(db_path, n)) return 1;
  }
  fs::create_directories(dir + "/config/qimg");
  std::ofstream(dir + "/config/qimg/config.yaml") << "embed:\n  model: " << model << "\n";
  bool inserted = false;
  if (!InsertVectors(db_path, model + ":d" + std::to_string(dim), dim, &inserted)) {
    std::fprintf(stderr, "query_bench: cannot insert vectors\n");
    return 1;
  }
  bool have_index = false;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir + "/cache/qimg/vectors", ec))
    have_index = have_index || e.path().extension() == ".qvec";
  if (inserted || !have_index) {
    auto t0 = Clock::now();
    if (RunChild(qimg, {"repair"}) != 0) {
      std::fprintf(stderr, "query_bench: qimg repair failed\n");
      return 1;
    }
    std::printf("qimg repair (index file for %d vectors): %.1f s\n", n, Ms(t0, Clock::now()) / 1000);
  } else {
    std::printf("reusing the library, its vectors and index file in %s\n", dir.c_str());
  }

  if (port == 0) port = 20000 + static_cast<int>(::getpid() % 20000);
  const std::string log = dir + "/mcp_http.log";
  pid_t server = ::fork();
  if (server == 0) {
    std::freopen(log.c_str(), "w", stdout);
    std::freopen(log.c_str(), "a", stderr);
    std::string p = std::to_string(port);
    // QIMG_BENCH_VERBOSE=1: the server logs at debug level into mcp_http.log (index builds).
    if (std::getenv("QIMG_BENCH_VERBOSE"))
      ::execl(qimg.c_str(), qimg.c_str(), "-v", "mcp", "--http", "--port", p.c_str(), nullptr);
    else
      ::execl(qimg.c_str(), qimg.c_str(), "mcp", "--http", "--port", p.c_str(), nullptr);
    _exit(127);
  }
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(900, 0);  // a first query that must build an index takes minutes
  bool up = false;
  for (int i = 0; i < 300 && !up; ++i) {
    auto r = cli.Get("/health");
    up = r && r->status == 200;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto stop = [&](int rc) {
    ::kill(server, SIGTERM);
    int st = 0;
    ::waitpid(server, &st, 0);
    return rc;
  };
  if (!up) {
    std::fprintf(stderr, "query_bench: qimg mcp --http did not come up (log: %s)\n", log.c_str());
    return stop(1);
  }
  httplib::Headers headers = {{"Accept", "application/json, text/event-stream"}};
  json init = {{"jsonrpc", "2.0"}, {"id", 0}, {"method", "initialize"},
               {"params", {{"protocolVersion", "2025-11-25"}, {"capabilities", json::object()},
                           {"clientInfo", {{"name", "query_bench"}, {"version", "1"}}}}}};
  auto r = cli.Post("/mcp", headers, init.dump(), "application/json");
  if (!r || r->status != 200 || r->get_header_value("Mcp-Session-Id").empty()) {
    std::fprintf(stderr, "query_bench: initialize failed\n");
    return stop(1);
  }
  headers.emplace("Mcp-Session-Id", r->get_header_value("Mcp-Session-Id"));
  headers.emplace("MCP-Protocol-Version", "2025-11-25");
  cli.Post("/mcp", headers, json({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}).dump(),
           "application/json");
  std::printf("server pid %d on port %d, RSS %ld MB before the first query\n", server, port, RssMbOf(server));

  int id = 1;
  auto call = [&](const std::string& q, double* ms, size_t* results) -> bool {
    json req = {{"jsonrpc", "2.0"}, {"id", id++}, {"method", "tools/call"},
                {"params", {{"name", tool}, {"arguments", {{"query", q}, {"num", 10}}}}}};
    auto a = Clock::now();
    auto res = cli.Post("/mcp", headers, req.dump(), "application/json");
    *ms = Ms(a, Clock::now());
    if (!res || res->status != 200) {
      std::fprintf(stderr, "query_bench: %s: %s after %.0f ms\n", q.c_str(),
                   res ? ("HTTP " + std::to_string(res->status)).c_str() : httplib::to_string(res.error()).c_str(), *ms);
      return false;
    }
    json j = json::parse(res->body, nullptr, false);
    if (j.is_discarded() || !j.contains("result") || j["result"].value("isError", false)) {
      std::fprintf(stderr, "query_bench: %s: %s\n", q.c_str(), res->body.substr(0, 300).c_str());
      return false;
    }
    const json& sc = j["result"]["structuredContent"];
    *results = sc.contains("results") ? sc["results"].size() : 0;
    return true;
  };
  double ms = 0;
  size_t got = 0;
  auto first = MakeQueries(1, 99)[0];
  if (!call(first, &ms, &got)) return stop(1);
  std::printf("first query (loads the model and the index): %.0f ms\n", ms);
  for (const auto& q : MakeQueries(static_cast<size_t>(warmup), 1))
    if (!call(q, &ms, &got)) return stop(1);
  std::vector<double> lat;
  size_t empty = 0;
  const double cpu0 = CpuMsOf(server);
  const auto wall0 = Clock::now();
  for (const auto& q : MakeQueries(static_cast<size_t>(queries), 2)) {
    if (!call(q, &ms, &got)) return stop(1);
    lat.push_back(ms);
    empty += got == 0;
  }
  const double cpu_ms = CpuMsOf(server) - cpu0, wall_ms = Ms(wall0, Clock::now());
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) { return lat[std::min(lat.size() - 1, static_cast<size_t>(p * (lat.size() - 1) + 0.5))]; };
  std::printf("%s over MCP HTTP, %d assets, %zu queries after %d warm-up: p50 %.1f ms  p95 %.1f ms  max %.1f ms"
              "  (%zu with no results)\n",
              tool.c_str(), n, lat.size(), warmup, pct(0.5), pct(0.95), lat.back(), empty);
  // On a shared machine wall time includes waiting for a core; CPU time is what a query costs.
  std::printf("server CPU time per query: %.1f ms (%.2f cores busy on average while measuring)\n",
              cpu_ms / lat.size(), cpu_ms / wall_ms);
  std::printf("server RSS after the run: %ld MB\n", RssMbOf(server));
  if (hold_s > 0) {
    std::printf("holding the server (pid %d) for %d s\n", server, hold_s);
    std::this_thread::sleep_for(std::chrono::seconds(hold_s));
  }
  return stop(0);
}
