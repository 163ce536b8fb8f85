// Runs the libFuzzer entry point (tests/fuzz/safetensors_fuzz.cc) over deterministic mutations of
// valid files, so ordinary CI exercises the header parser's error paths; a crash or an abort fails
// the test (and the ASan preset checks memory safety on the same inputs).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "nn/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace qimg::nn {
namespace {

std::string Seed() {
  std::string header =
      R"({"__metadata__":{"format":"pt"},"a.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
      R"("b":{"dtype":"F16","shape":[4],"data_offsets":[24,32]},)"
      R"("c":{"dtype":"BF16","shape":[],"data_offsets":[32,34]},)"
      R"("ids":{"dtype":"I64","shape":[1],"data_offsets":[34,42]}})";
  while (header.size() % 8) header += ' ';
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) {
    out[static_cast<size_t>(i)] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  }
  out += header;
  for (int i = 0; i < 42; ++i) out += static_cast<char>(i * 7);
  return out;
}

std::string Mutate(std::string s, std::mt19937& rng) {
  static const char* const kTokens[] = {"-1",
                                        "18446744073709551615",
                                        "9223372036854775807",
                                        "[]",
                                        "{}",
                                        "\"F64\"",
                                        "\"U8\"",
                                        "null",
                                        "1e400",
                                        ","};
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    size_t pos = rng() % s.size();
    switch (rng() % 6) {
      case 0:
        s[pos] = static_cast<char>(rng());
        break;  // flip a byte
      case 1:
        s.erase(pos, 1 + rng() % 8);
        break;  // delete a span
      case 2:
        s.resize(pos);
        break;  // truncate
      case 3:
        s.insert(pos, kTokens[rng() % 10]);
        break;  // splice a JSON token
      case 4:
        if (std::isdigit(static_cast<unsigned char>(s[pos]))) s[pos] = '9';
        break;
      case 5:
        s[rng() % 8] = static_cast<char>(rng());
        break;  // corrupt the length prefix
    }
  }
  return s;
}

TEST(SafetensorsFuzzTest, MutatedHeadersNeverCrash) {
  const std::string seed = Seed();
  ASSERT_TRUE(SafetensorsFile::FromBytes(seed).ok());
  std::mt19937 rng(1234);
  int accepted = 0;
  const int kRuns = 600;
  for (int i = 0; i < kRuns; ++i) {
    std::string m = Mutate(seed, rng);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(m.data()), m.size());
    if (SafetensorsFile::FromBytes(m).ok()) ++accepted;
  }
  // Both outcomes must occur, or the mutations are not exercising the parser.
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, kRuns);
}

}  // namespace
}  // namespace qimg::nn
