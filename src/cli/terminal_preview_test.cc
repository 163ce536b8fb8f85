#include "cli/terminal_preview.h"

#include <gtest/gtest.h>

#include <string>

namespace qimg {

const std::string kPhoto = std::string(QIMG_TESTDATA_DIR) + "/corpus/photos/photo-02.png";

TEST(TerminalPreviewTest, KittySendsChunkedRawRgb) {
  std::string s = InlineThumbnail(kPhoto, ImageProtocol::kKitty, 64);
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s.rfind("\033_Ga=T,f=24,s=64,v=", 0), 0u) << s.substr(0, 40);
  EXPECT_NE(s.find("m=0;"), std::string::npos);  // the last chunk closes the image
  EXPECT_EQ(s.back(), '\n');
  for (size_t pos = 0; (pos = s.find("\033_G", pos)) != std::string::npos; ++pos) {
    size_t end = s.find("\033\\", pos);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - pos, 4096u + 64u);  // chunks stay within the protocol's 4 KiB payloads
  }
}

TEST(TerminalPreviewTest, Iterm2SendsAJpeg) {
  std::string s = InlineThumbnail(kPhoto, ImageProtocol::kIterm2, 64);
  EXPECT_EQ(s.rfind("\033]1337;File=inline=1;size=", 0), 0u);
  EXPECT_NE(s.find("\a\n"), std::string::npos);
}

TEST(TerminalPreviewTest, NothingWithoutAProtocolOrAnImage) {
  EXPECT_EQ(InlineThumbnail(kPhoto, ImageProtocol::kNone), "");
  EXPECT_EQ(InlineThumbnail("/nonexistent.jpg", ImageProtocol::kKitty), "");
  // Tests do not run on a terminal, so no protocol is ever detected here.
  EXPECT_EQ(DetectImageProtocol(), ImageProtocol::kNone);
}

}  // namespace qimg
