#include "base/hash.h"

#include <gtest/gtest.h>

namespace qimg {

TEST(HashTest, KnownDigests) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  Sha256 s;
  s.Update("a", 1);
  s.Update("bc", 2);
  EXPECT_EQ(s.FinishHex(), Sha256Hex("abc"));
}

TEST(HashTest, MissingFileIsAnError) {
  auto r = Sha256File("/nonexistent/file");
  EXPECT_FALSE(r.ok());
}

}  // namespace qimg
