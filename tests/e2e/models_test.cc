// `qimg models …` end to end: downloads from a fake hub on loopback (listing, redirects, resume,
// checksum, 401), the HF cache, local imports, list and verify; the installed model must encode
// exactly like its source folder.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/e2e/cli_runner.h"
#include "tests/e2e/fake_hub.h"

namespace qimg::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// The default image model of a new configuration (SigLIP 2 B/16), served from siglip-tiny.
const char* kRepo = "google/siglip2-base-patch16-224";
const char* kName = "siglip2-base-patch16-224";
const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";

std::string Tiny() { return TestdataDir() + "/siglip-tiny/model"; }

class ModelsTest : public ::testing::Test {
 protected:
  ModelsTest() : box_(::testing::UnitTest::GetInstance()->current_test_info()->name()) {
    hub_.AddRepo(kRepo, Tiny(), kCommit);
  }
  std::string Models() const { return box_.dir() + "/cache/qimg/models"; }
  // Every run: the fake hub, no token, and an HF cache that exists only when a test builds it.
  CliResult Run(const std::vector<std::string>& args, std::vector<std::string> env = {}) {
    std::vector<std::string> base = {"HF_ENDPOINT=" + hub_.endpoint(), "HF_TOKEN=", "HUGGING_FACE_HUB_TOKEN=",
                                     "HF_HUB_CACHE=" + box_.dir() + "/hf-cache", "http_proxy=", "https_proxy=",
                                     "HTTP_PROXY=", "HTTPS_PROXY=", "ALL_PROXY=", "all_proxy="};
    base.insert(base.end(), env.begin(), env.end());
    return box_.Run(args, base);
  }
  json Encode(const std::string& model_dir) {
    CliResult r = box_.Run({"encode", "--model", model_dir, "--text", "a photo of a cat", "--image",
                            TestdataDir() + "/clip-tiny/images/img01_gradient_shapes_64x48.png", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }
  void ExpectEncodesLikeSource(const std::string& model_dir) {
    json a = Encode(model_dir), b = Encode(Tiny());
    ASSERT_TRUE(a.is_object() && b.is_object());
    EXPECT_EQ(a["items"], b["items"]);
  }

  FakeHub hub_;
  CliSandbox box_;
};

TEST_F(ModelsTest, DownloadsOnlyNeededFilesAndEncodes) {
  CliResult r = Run({"models", "download", "--image", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json rec = json::parse(r.out);
  ASSERT_EQ(rec.size(), 1u);
  EXPECT_EQ(rec[0]["model_name"], kName);
  EXPECT_EQ(rec[0]["base_hf_model"], kRepo);
  EXPECT_EQ(rec[0]["files"], 6);
  std::string base = Models() + "/" + kName + "/base";
  EXPECT_EQ(rec[0]["base_dir"], base);
  for (const auto& req : hub_.Requests()) {
    for (const char* junk : {"pytorch_model.bin", "tf_model.h5", "msgpack", "onnx", "README.md", "open_clip"})
      EXPECT_EQ(req.find(junk), std::string::npos) << req;
  }
  // The listing asked for blob hashes; LFS files were fetched through the redirect to /cdn/.
  bool listed = false, cdn = false;
  for (const auto& req : hub_.Requests()) {
    listed |= req.find(std::string("/api/models/") + kRepo + "/revision/main") != std::string::npos;
    cdn |= req.find("GET /cdn/") == 0;
  }
  EXPECT_TRUE(listed);
  EXPECT_TRUE(cdn);
  // Non-TTY progress: one line per file.
  EXPECT_NE(r.err.find("fetched model.safetensors"), std::string::npos) << r.err;

  json manifest = json::parse(std::ifstream(Models() + "/" + kName + "/manifest.json"));
  EXPECT_EQ(manifest["model"], kName);
  EXPECT_EQ(manifest["base_model"], kRepo);
  EXPECT_EQ(manifest["revision"], "main");
  EXPECT_EQ(manifest["commit"], kCommit);
  EXPECT_EQ(manifest["base_subdir"], "base");
  EXPECT_EQ(manifest["files"].size(), 6u);
  EXPECT_TRUE(fs::exists(Models() + "/" + kName + "/README.md"));
  for (const auto& e : fs::directory_iterator(Models())) {
    EXPECT_NE(e.path().filename().string()[0], '.') << "leftover " << e.path();
  }
  ExpectEncodesLikeSource(base);

  CliResult list = Run({"models", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  json l = json::parse(list.out);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0]["kind"], "image");
  EXPECT_EQ(l[0]["in_use"], json::array({"image"}));
  CliResult avail = Run({"models", "list", "--available", "--json"});
  json a = json::parse(avail.out);
  EXPECT_EQ(a[0]["name"], kName);
  EXPECT_EQ(a[0]["installed"], true);
  EXPECT_EQ(a[1]["installed"], false);

  CliResult again = Run({"models", "download", "--image"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("already installed"), std::string::npos) << again.out;
  EXPECT_EQ(Run({"models", "verify"}).exit_code, 0);
}

TEST_F(ModelsTest, ResumesADroppedConnectionWithRange) {
  hub_.DropOnce("model.safetensors");
  CliResult r = Run({"model", "download", kName});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  bool ranged = false;
  for (const auto& req : hub_.Requests()) ranged |= req.find("GET /cdn/") == 0 && req.find("bytes=") != std::string::npos;
  EXPECT_TRUE(ranged) << "no Range request after the drop";
  ExpectEncodesLikeSource(Models() + "/" + kName + "/base");
}

TEST_F(ModelsTest, RejectsAChecksumMismatchAndInstallsNothing) {
  hub_.Corrupt("model.safetensors");
  CliResult r = Run({"models", "download", "--image"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("checksum"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(Models() + "/" + kName));
  CliResult list = Run({"models", "list", "--json"});
  EXPECT_EQ(json::parse(list.out).size(), 0u);
  // The next run adopts the staging folder: complete files are kept, only the bad one is fetched.
  hub_.Corrupt("model.safetensors", false);
  CliResult again = Run({"models", "download", "--image"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("  kept "), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("fetched model.safetensors"), std::string::npos) << again.err;
  for (const auto& e : fs::directory_iterator(Models())) {
    EXPECT_NE(e.path().filename().string()[0], '.') << "leftover " << e.path();
  }
  EXPECT_EQ(Run({"models", "verify"}).exit_code, 0);
}

TEST_F(ModelsTest, HeadGivesHashesWhenTheListingHasNone) {
  hub_.OmitBlobInfo();
  hub_.Corrupt("model.safetensors");
  CliResult r = Run({"models", "download", "--image"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("checksum"), std::string::npos) << r.err;
  bool head = false;
  for (const auto& req : hub_.Requests()) head |= req.find(std::string("HEAD /") + kRepo + "/resolve/") == 0;
  EXPECT_TRUE(head);
  hub_.Corrupt("model.safetensors", false);
  CliResult ok = Run({"models", "download", "--image"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST_F(ModelsTest, GatedRepoNeedsAToken) {
  hub_.RequireToken("hf_secret");
  CliResult r = Run({"models", "download", "--image"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("401"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("HF_TOKEN"), std::string::npos) << r.err;
  CliResult ok = Run({"models", "download", "--image"}, {"HF_TOKEN=hf_secret"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST_F(ModelsTest, UnknownRepoIsNotFound) {
  CliResult r = Run({"models", "download", "clip-vit-b-32-laion2b"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("404"), std::string::npos) << r.err;
  CliResult bad = Run({"models", "download", "no-such-model"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("models list --available"), std::string::npos) << bad.err;
}

TEST_F(ModelsTest, NetworkFailureIsClear) {
  CliResult r = Run({"models", "download", "--image"}, {"HF_ENDPOINT=http://127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot fetch http://127.0.0.1:1/api/models/"), std::string::npos) << r.err;
}

TEST_F(ModelsTest, CopiesFromTheHfCacheFollowingRefs) {
  std::string repo = box_.dir() + "/hf-cache/models--google--siglip2-base-patch16-224";
  fs::create_directories(repo + "/refs");
  std::ofstream(repo + "/refs/main") << kCommit;
  fs::create_directories(repo + "/blobs");
  fs::create_directories(repo + "/snapshots/" + kCommit);
  int i = 0;
  for (const auto& e : fs::directory_iterator(Tiny())) {
    std::string blob = "blob" + std::to_string(i++);
    fs::copy_file(e.path(), repo + "/blobs/" + blob);
    fs::create_symlink("../../blobs/" + blob, repo + "/snapshots/" + kCommit + "/" + e.path().filename().string());
  }
  // A newer snapshot that no ref names must not be picked.
  std::string stray = repo + "/snapshots/" + std::string(40, 'f');
  fs::create_directories(stray);
  std::ofstream(stray + "/config.json") << "{broken";
  CliResult r = Run({"models", "download", "--image", "--from-cache", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(hub_.Requests().empty());
  std::string base = Models() + "/" + kName + "/base";
  EXPECT_FALSE(fs::is_symlink(base + "/config.json"));
  json manifest = json::parse(std::ifstream(Models() + "/" + kName + "/manifest.json"));
  EXPECT_EQ(manifest["commit"], kCommit);
  ExpectEncodesLikeSource(base);
}

TEST_F(ModelsTest, ImportsAFolderAndVerifyCatchesCorruption) {
  CliResult r = Run({"models", "import", Tiny(), "--image", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json rec = json::parse(r.out);
  EXPECT_EQ(rec["model_name"], kName);  // the slot embed.model names
  EXPECT_EQ(Run({"models", "verify"}).exit_code, 0);
  std::string vocab = Models() + "/" + kName + "/base/spiece.model";
  std::string text;
  {
    std::ifstream in(vocab, std::ios::binary);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  fs::remove(vocab);  // may be a hard link to the source
  text[5] ^= 1;
  std::ofstream(vocab, std::ios::binary) << text;
  CliResult v = Run({"models", "verify", "--json"});
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_NE(v.err.find("base/spiece.model"), std::string::npos) << v.err;
  json j = json::parse(v.out);
  EXPECT_EQ(j["ok"], false);
  CliResult dup = Run({"models", "import", Tiny(), "--image"});
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_NE(dup.err.find("--force"), std::string::npos);
}

TEST_F(ModelsTest, InitConfigDownloadsModels) {
  CliResult r = Run({"init-config", "--download-models", "--image", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out);
  ASSERT_EQ(j["downloaded"].size(), 1u);
  EXPECT_EQ(j["downloaded"][0]["kind"], "image");
  EXPECT_TRUE(fs::exists(Models() + "/" + kName + "/base/model.safetensors"));
}

}  // namespace
}  // namespace qimg::testing
