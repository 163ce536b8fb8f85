#include "app/model_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "app/model_locator.h"
#include "base/fs.h"
#include "base/hash.h"

namespace qimg {
namespace {

std::string TinyModel() { return std::string(QIMG_TESTDATA_DIR) + "/clip-tiny/model"; }

class TempDir {
 public:
  TempDir() {
    std::string t = (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
    std::string tmpl = t + "/qimg-models-XXXXXX";
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~TempDir() { (void)RemoveTree(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void Write(const std::string& path, const std::string& text) {
  ASSERT_TRUE(MakeDirs(DirName(path)).ok());
  std::ofstream(path, std::ios::binary) << text;
}

TEST(ModelFilesTest, KeepsOnlyWhatTheEngineReads) {
  EXPECT_TRUE(IsModelFile("config.json"));
  EXPECT_TRUE(IsModelFile("model-00001-of-00002.safetensors"));
  EXPECT_TRUE(IsModelFile("sentencepiece.bpe.model"));
  EXPECT_TRUE(IsModelFile("vocab.txt"));
  EXPECT_TRUE(IsModelFile("modules.json"));
  EXPECT_TRUE(IsModelFile("1_Pooling/config.json"));
  for (const char* bad : {"pytorch_model.bin", "model.pt", "model.ckpt", "tf_model.h5", "flax_model.msgpack",
                          "model.onnx", "onnx/model.safetensors", "2_Dense/config.json", "1_Pooling/../config.json",
                          "/1_Pooling/config.json", "README.md"}) {
    EXPECT_FALSE(IsModelFile(bad)) << bad;
  }
  auto picked = SelectModelFiles({"open_clip_model.safetensors", "model.safetensors", "config.json",
                                  "pytorch_model.bin", "merges.txt", "model.fp16.safetensors"});
  EXPECT_EQ(picked, (std::vector<std::string>{"config.json", "merges.txt", "model.safetensors"}));
  auto sharded = SelectModelFiles({"model.safetensors.index.json", "model-00001-of-00002.safetensors",
                                   "model-00002-of-00002.safetensors", "config.json"});
  EXPECT_EQ(sharded.size(), 4u);
  // Without transformers weights, any top-level safetensors is the best there is.
  EXPECT_EQ(SelectModelFiles({"weights.safetensors", "config.json"}).size(), 2u);
}

TEST(ManifestTest, RoundTripsWithSpecKeysFirst) {
  ModelManifest m;
  m.model = "x";
  m.base_model = "org/x";
  m.revision = "main";
  m.task = "image_text_retrieval";
  m.kind = "image";
  m.files = {{"base/config.json", 12, "ab"}};
  std::string json = ManifestToJson(m);
  EXPECT_EQ(json.rfind("{\n  \"model\": \"x\",\n  \"base_model\": \"org/x\",\n  \"revision\": \"main\",", 0), 0u)
      << json;
  EXPECT_EQ(json.back(), '\n');
  auto back = ManifestFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->files.size(), 1u);
  EXPECT_EQ(back->files[0].size, 12);
  EXPECT_FALSE(ManifestFromJson("[1]").ok());
  EXPECT_FALSE(ManifestFromJson("{\"base_subdir\": \"../../etc\"}").ok());
  EXPECT_FALSE(ManifestFromJson("not json").ok());
}

TEST(HfCacheTest, FollowsRefsNeverTheNewestSnapshot) {
  TempDir t;
  std::string repo = t.path() + "/models--org--tiny";
  std::string good = std::string(40, 'a'), newer = std::string(40, 'b');
  Write(repo + "/refs/main", good + "\n");
  Write(repo + "/blobs/111", "{}");
  ASSERT_TRUE(MakeDirs(repo + "/snapshots/" + good).ok());
  ASSERT_EQ(::symlink("../../blobs/111", (repo + "/snapshots/" + good + "/config.json").c_str()), 0);
  Write(repo + "/snapshots/" + newer + "/config.json", "{\"newer\": true}");
  std::string commit;
  auto snap = FindHfSnapshot(t.path(), "org/tiny", "main", &commit);
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(*snap, repo + "/snapshots/" + good);
  EXPECT_EQ(commit, good);
  EXPECT_EQ(*FindHfSnapshot(t.path(), "org/tiny", newer, nullptr), repo + "/snapshots/" + newer);
  auto missing_ref = FindHfSnapshot(t.path(), "org/tiny", "v2", nullptr);
  EXPECT_EQ(missing_ref.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing_ref.status().message().find("refs there: main"), std::string::npos);
  EXPECT_EQ(FindHfSnapshot(t.path(), "org/other", "main", nullptr).status().code(), StatusCode::kNotFound);
}

TEST(HfCacheTest, HonoursHfHubCacheThenHfHome) {
  ::setenv("HF_HUB_CACHE", "/x/hub-cache", 1);
  ::setenv("HF_HOME", "/y/home", 1);
  EXPECT_EQ(HfCacheDir(), "/x/hub-cache");
  ::unsetenv("HF_HUB_CACHE");
  EXPECT_EQ(HfCacheDir(), "/y/home/hub");
  ::unsetenv("HF_HOME");
}

TEST(ImportTest, InstallsListsAndVerifies) {
  TempDir t;
  std::string models = t.path() + "/models";
  // A dead process's staging folder is adopted (and not listed as a model).
  Write(models + "/.tiny.tmp-999999999/base/stale.part", "x");
  ImportRequest req;
  req.source_dir = TinyModel();
  req.name = "tiny";
  auto r = ImportModel(models, req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kind, "image");  // guessed from model_type "clip"
  EXPECT_EQ(r->files, 7);
  EXPECT_FALSE(StatPath(models + "/.tiny.tmp-999999999").exists);
  EXPECT_FALSE(StatPath(models + "/tiny/base/stale.part").exists);
  auto m = ReadManifest(models + "/tiny");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->files.size(), 7u);
  EXPECT_EQ(m->files[0].path, "base/config.json");
  EXPECT_EQ(m->files[0].sha256, *Sha256File(TinyModel() + "/config.json"));

  auto list = ListInstalledModels(models);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "tiny");
  EXPECT_EQ((*list)[0].checkpoint_dir, models + "/tiny/base");
  EXPECT_GT((*list)[0].bytes, 13000000);

  Config c;
  c.models_dir = models;
  EXPECT_EQ(*LocateModel(c, "tiny", ModelKind::kImage), models + "/tiny/base");

  auto v = VerifyModel(models + "/tiny");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->problems.empty());
  EXPECT_EQ(v->files_checked, 7);
  // Corrupt one byte without changing the size.
  std::string vocab = models + "/tiny/base/vocab.json";
  std::string text = *ReadFileToString(vocab);
  ::unlink(vocab.c_str());  // it may be a hard link to the source
  text[10] ^= 1;
  Write(vocab, text);
  v = VerifyModel(models + "/tiny");
  ASSERT_EQ(v->problems.size(), 1u);
  EXPECT_EQ(v->problems[0].file, "base/vocab.json");
  EXPECT_EQ(v->problems[0].reason, "sha256 mismatch");
}

TEST(ImportTest, KeepsTheSentenceTransformersPoolingConfig) {
  // all-MiniLM style folders say "mean pooling" only in modules.json + 1_Pooling/config.json;
  // dropping them on install would silently change the model's vectors to the name rule's guess.
  TempDir t;
  const std::string src = t.path() + "/src";
  Write(src + "/config.json", "{\"model_type\": \"bert\"}");
  Write(src + "/model.safetensors", "weights");
  Write(src + "/modules.json", "[{\"idx\": 1, \"path\": \"1_Pooling\", \"type\": \"sentence_transformers.models.Pooling\"}]");
  Write(src + "/1_Pooling/config.json", "{\"pooling_mode_mean_tokens\": true}");
  Write(src + "/2_Dense/config.json", "{}");
  ImportRequest req;
  req.source_dir = src;
  req.name = "minilm";
  auto r = ImportModel(t.path() + "/models", req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kind, "text");
  EXPECT_EQ(r->files, 4);
  EXPECT_TRUE(StatPath(r->base_dir + "/modules.json").is_regular);
  EXPECT_TRUE(StatPath(r->base_dir + "/1_Pooling/config.json").is_regular);
  EXPECT_FALSE(StatPath(r->base_dir + "/2_Dense").exists);
  auto v = VerifyModel(t.path() + "/models/minilm");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->problems.empty());
  EXPECT_EQ(v->files_checked, 4);
}

TEST(ImportTest, RefusesFoldersWithoutSafetensors) {
  TempDir t;
  Write(t.path() + "/src/config.json", "{\"model_type\": \"bert\"}");
  Write(t.path() + "/src/pytorch_model.bin", "pickle");
  ImportRequest req;
  req.source_dir = t.path() + "/src";
  req.name = "pickled";
  auto r = ImportModel(t.path() + "/models", req);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("safetensors"), std::string::npos);
  EXPECT_FALSE(StatPath(t.path() + "/models/pickled").exists);
  auto list = ListInstalledModels(t.path() + "/models");
  EXPECT_TRUE(list->empty());
}

TEST(LocatorTest, HintNamesTheExactCommand) {
  Config c;
  c.models_dir = "/nonexistent/models";
  auto r = LocateModel(c, "qimg-text-encoder-bge-m3", ModelKind::kText);
  EXPECT_NE(r.status().message().find("`qimg models download qimg-text-encoder-bge-m3`"), std::string::npos)
      << r.status().message();
  r = LocateModel(c, "my-clip", ModelKind::kImage);
  EXPECT_NE(r.status().message().find("`qimg models import DIR --image --name my-clip`"), std::string::npos)
      << r.status().message();
}

TEST(LocatorTest, AutoDownloadFallsBackToTheHfCacheWhenOffline) {
  TempDir t;
  std::string repo = t.path() + "/hf/models--openai--clip-vit-large-patch14";
  std::string commit(40, 'c');
  Write(repo + "/refs/main", commit);
  auto copied = CopyModelFiles(TinyModel(), repo + "/snapshots/" + commit);
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  ::setenv("HF_HUB_CACHE", (t.path() + "/hf").c_str(), 1);
  ::setenv("HF_ENDPOINT", "http://127.0.0.1:1", 1);  // nothing listens there
  Config c;
  c.models_dir = t.path() + "/models";
  const std::string name = "qimg-encoder-finetuned-clip-vit-large-patch14";
  EXPECT_FALSE(LocateModel(c, name, ModelKind::kImage).ok());  // off by default: no download
  EXPECT_FALSE(StatPath(c.models_dir + "/" + name).exists);
  c.models.auto_download = true;
  auto dir = LocateModel(c, name, ModelKind::kImage);
  ::unsetenv("HF_HUB_CACHE");
  ::unsetenv("HF_ENDPOINT");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  EXPECT_EQ(*dir, c.models_dir + "/" + name + "/base");
  EXPECT_EQ(ReadManifest(c.models_dir + "/" + name)->commit, commit);
}

TEST(ConfigModelsTest, AutoDownloadIsTypeChecked) {
  EXPECT_FALSE(ParseConfig("{}", "t.yaml")->models.auto_download);
  EXPECT_TRUE(ParseConfig("models:\n  auto_download: true\n", "t.yaml")->models.auto_download);
  auto bad = ParseConfig("models:\n  auto_download: maybe\n", "t.yaml");
  EXPECT_NE(bad.status().message().find("models.auto_download"), std::string::npos);
  auto unknown = ParseConfig("models:\n  speed: 3\n", "t.yaml");
  EXPECT_NE(unknown.status().message().find("models.speed: unknown key"), std::string::npos);
}

}  // namespace
}  // namespace qimg
