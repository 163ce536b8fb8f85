#include "nn/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>

#include "nn/test_util.h"

namespace qimg::nn {
namespace {

// Assembles a safetensors image from a header JSON and a data blob.
std::string Build(const std::string& header, const std::string& data) {
  std::string h = header;
  while (h.size() % 8) h += ' ';
  std::string out(8, '\0');
  uint64_t n = h.size();
  for (int i = 0; i < 8; ++i)
    out[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + h + data;
}

std::string FloatBytes(const std::vector<float>& v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.data(), s.size());
  return s;
}

TEST(SafetensorsTest, ReadsF32F16Bf16) {
  std::string data = FloatBytes({1.5f, -2.0f, 3.25f, 0.0f});
  // F16: 1.0 = 0x3C00, -0.5 = 0xB800, 65504 = 0x7BFF, smallest subnormal 0x0001.
  const uint16_t f16[] = {0x3C00, 0xB800, 0x7BFF, 0x0001};
  // BF16: 1.0 = 0x3F80, -3.0 = 0xC040.
  const uint16_t bf16[] = {0x3F80, 0xC040};
  data.append(reinterpret_cast<const char*>(f16), sizeof(f16));
  data.append(reinterpret_cast<const char*>(bf16), sizeof(bf16));
  std::string file = Build(
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
      R"("h":{"dtype":"F16","shape":[4],"data_offsets":[16,24]},)"
      R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[24,28]}})",
      data);
  auto f = SafetensorsFile::FromBytes(file);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ((*f)->tensors().size(), 3u);
  EXPECT_EQ((*f)->metadata().at("format"), "pt");
  auto a = (*f)->ReadFloat("a", {2, 2});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, (std::vector<float>{1.5f, -2.0f, 3.25f, 0.0f}));
  auto h = (*f)->ReadFloat("h", {4});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ((*h)[0], 1.0f);
  EXPECT_EQ((*h)[1], -0.5f);
  EXPECT_EQ((*h)[2], 65504.0f);
  EXPECT_FLOAT_EQ((*h)[3], 5.9604645e-8f);
  auto b = (*f)->ReadFloat("b", {2});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, (std::vector<float>{1.0f, -3.0f}));
  // Wrong shape and missing names are errors naming the tensor.
  auto wrong = (*f)->ReadFloat("a", {4});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("'a'"), std::string::npos);
  EXPECT_EQ((*f)->ReadFloat("zzz", {1}).status().code(), StatusCode::kNotFound);
}

TEST(SafetensorsTest, IntegerTensorsAreListedButNotReadAsFloat) {
  std::string file =
      Build(R"({"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})", std::string(16, '\0'));
  auto f = SafetensorsFile::FromBytes(file);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->ReadFloat("ids", {2}).status().code(), StatusCode::kCorrupt);
}

struct BadCase {
  const char* what;
  std::string header;
  size_t data_bytes;
  const char* expect_in_message;
};

TEST(SafetensorsTest, RejectsCorruptHeaders) {
  const std::vector<BadCase> cases = {
      {"truncated data", R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8, "'w'"},
      {"size mismatch", R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", 16, "'w'"},
      {"unknown dtype", R"({"w":{"dtype":"F8","shape":[4],"data_offsets":[0,4]}})", 4, "'w'"},
      {"negative dim", R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4, "'w'"},
      {"end before begin", R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}})", 4, "'w'"},
      {"overlap",
       R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
       R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
       12, "'b'"},
      {"gap", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8, "'a'"},
      {"trailing", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 8, "trailing"},
      {"overflow", R"({"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}})",
       4, "'w'"},
      {"not an object", R"({"w":[1,2,3]})", 0, "'w'"},
      {"offsets not pair", R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4, "'w'"},
      {"bad json", R"({"w":{"dtype":)", 0, "JSON"},
      {"bad metadata", R"({"__metadata__":{"x":1}})", 0, "__metadata__"},
  };
  for (const BadCase& c : cases) {
    auto f = SafetensorsFile::FromBytes(Build(c.header, std::string(c.data_bytes, '\0')));
    ASSERT_FALSE(f.ok()) << c.what;
    EXPECT_EQ(f.status().code(), StatusCode::kCorrupt) << c.what;
    EXPECT_NE(f.status().message().find(c.expect_in_message), std::string::npos)
        << c.what << ": " << f.status().message();
  }
}

TEST(SafetensorsTest, RejectsBadLengthPrefix) {
  EXPECT_FALSE(SafetensorsFile::FromBytes("").ok());
  EXPECT_FALSE(SafetensorsFile::FromBytes("1234").ok());
  std::string huge(8, '\xff');
  EXPECT_FALSE(SafetensorsFile::FromBytes(huge + "{}").ok());
  std::string past = Build("{}", "");
  past[0] = 100;  // header claims 100 bytes, file has 8
  EXPECT_FALSE(SafetensorsFile::FromBytes(past).ok());
  EXPECT_TRUE(SafetensorsFile::FromBytes(Build("{}", "")).ok());
}

TEST(SafetensorsTest, OpensClipTinyCheckpoint) {
  auto f = SafetensorsFile::Open(testing::ClipTinyModelDir() + "/model.safetensors");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ((*f)->tensors().size(), 78u);
  auto scale = (*f)->ReadFloat("logit_scale", {});
  ASSERT_TRUE(scale.ok());
  EXPECT_FLOAT_EQ((*scale)[0], 3.40119743f);
  const TensorInfo* t = (*f)->Find("vision_model.embeddings.patch_embedding.weight");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->shape, (std::vector<int64_t>{64, 3, 8, 8}));
  EXPECT_NE((*f)->F32View(*t), nullptr);
}

TEST(SafetensorsTest, TruncatedCheckpointIsAClearError) {
  auto whole = SafetensorsFile::Open(testing::ClipTinyModelDir() + "/model.safetensors");
  ASSERT_TRUE(whole.ok());
  std::string path = testing::ClipTinyModelDir() + "/model.safetensors";
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes.resize(bytes.size() - 1000);
  auto f = SafetensorsFile::FromBytes(bytes);
  ASSERT_FALSE(f.ok());
  // The last tensor in the file is the one that no longer fits.
  EXPECT_NE(f.status().message().find("tensor '"), std::string::npos) << f.status().message();
  EXPECT_NE(f.status().message().find("truncated"), std::string::npos) << f.status().message();
}

TEST(SafetensorsTest, MissingFileIsIoError) {
  auto f = SafetensorsFile::Open("/nonexistent/model.safetensors");
  EXPECT_EQ(f.status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace qimg::nn
