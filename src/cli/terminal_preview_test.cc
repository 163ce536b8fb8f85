#include "cli/terminal_preview.h"

#include <gtest/gtest.h>
#include <unistd.h>

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
  // Under ctest stdout is not a terminal, so no protocol is ever detected (run by hand in a
  // terminal, detection would rightly find one, and even ask the terminal).
  if (::isatty(STDOUT_FILENO) == 1) GTEST_SKIP() << "stdout is a terminal";
  EXPECT_EQ(DetectImageProtocol(), ImageProtocol::kNone);
}

}  // namespace qimg

namespace qimg {

TEST(TerminalPreviewTest, SixelDrawsTheThumbnail) {
  std::string s = InlineThumbnail(kPhoto, ImageProtocol::kSixel, 64);
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s.rfind("\033P0;1q\"1;1;64;", 0), 0u) << s.substr(0, 20);
  EXPECT_EQ(s.substr(s.size() - 3), "\033\\\n");
  EXPECT_EQ(InlineThumbnail("/nonexistent.png", ImageProtocol::kSixel), "");
}

TEST(TerminalPreviewTest, Da1ReplyParsing) {
  EXPECT_TRUE(Da1ReportsSixel("\033[?63;1;2;4;6;9;15;22c"));  // xterm -ti vt340
  EXPECT_TRUE(Da1ReportsSixel("\033[?62;4c"));                // foot
  EXPECT_TRUE(Da1ReportsSixel("junk\033[?65;4;1c"));          // typed-ahead bytes before it
  EXPECT_FALSE(Da1ReportsSixel("\033[?1;2c"));                 // VT100 with AVO
  EXPECT_FALSE(Da1ReportsSixel("\033[?62;22c"));               // xterm -ti vt220: colour, no sixel
  EXPECT_FALSE(Da1ReportsSixel("\033[?4;6c"));                 // 4 as the class (VT132) is no sixel
  EXPECT_FALSE(Da1ReportsSixel("\033[?62;14c"));               // 14 is not 4
  EXPECT_FALSE(Da1ReportsSixel("\033[?62;4"));                 // truncated
  EXPECT_FALSE(Da1ReportsSixel("\033[?62;;4c"));               // empty parameter
  EXPECT_FALSE(Da1ReportsSixel("\033[?62;4x"));                // not a DA1 reply
  EXPECT_FALSE(Da1ReportsSixel("\033[62;4c"));                 // secondary-style, no '?'
  EXPECT_FALSE(Da1ReportsSixel(""));
}

TEST(TerminalPreviewTest, ChoosingAProtocol) {
  int asked = 0;
  std::string reply;
  auto da1 = [&] {
    ++asked;
    return reply;
  };
  TerminalInfo t;
  t.stdout_tty = t.stdin_tty = true;
  t.term = "xterm-256color";
  // Plain xterm: the terminal is asked; without 4 in the reply nothing is drawn.
  reply = "\033[?62;22c";
  EXPECT_EQ(ChooseImageProtocol(t, da1), ImageProtocol::kNone);
  EXPECT_EQ(asked, 1);
  reply = "\033[?63;1;2;4;6;9;15;22c";
  EXPECT_EQ(ChooseImageProtocol(t, da1), ImageProtocol::kSixel);
  reply = "";  // no answer in time
  EXPECT_EQ(ChooseImageProtocol(t, da1), ImageProtocol::kNone);
  EXPECT_EQ(asked, 3);

  // Names decide without asking.
  reply = "\033[?62;4c";
  asked = 0;
  for (const char* term : {"foot", "foot-extra", "mlterm", "yaft-256color", "contour"}) {
    TerminalInfo n = t;
    n.term = term;
    EXPECT_EQ(ChooseImageProtocol(n, da1), ImageProtocol::kSixel) << term;
  }
  TerminalInfo m = t;
  m.term_program = "mintty";
  EXPECT_EQ(ChooseImageProtocol(m, da1), ImageProtocol::kSixel);
  TerminalInfo k = t;
  k.kitty_window_id = "1";
  EXPECT_EQ(ChooseImageProtocol(k, da1), ImageProtocol::kKitty);
  TerminalInfo w = t;
  w.term_program = "WezTerm";
  EXPECT_EQ(ChooseImageProtocol(w, da1), ImageProtocol::kIterm2);
  EXPECT_EQ(asked, 0);

  // No query without a terminal on stdin, on a dumb or unknown terminal, or off a terminal.
  TerminalInfo no_in = t;
  no_in.stdin_tty = false;
  EXPECT_EQ(ChooseImageProtocol(no_in, da1), ImageProtocol::kNone);
  TerminalInfo dumb = t;
  dumb.term = "dumb";
  EXPECT_EQ(ChooseImageProtocol(dumb, da1), ImageProtocol::kNone);
  TerminalInfo unset = t;
  unset.term = "";
  EXPECT_EQ(ChooseImageProtocol(unset, da1), ImageProtocol::kNone);
  TerminalInfo piped = t;
  piped.stdout_tty = false;
  piped.term = "foot";
  piped.preview = "sixel";
  EXPECT_EQ(ChooseImageProtocol(piped, da1), ImageProtocol::kNone);
  EXPECT_EQ(asked, 0);

  // QIMG_PREVIEW forces a protocol or none; "auto" and unknown values detect.
  TerminalInfo f = t;
  for (auto [value, want] : {std::pair{"sixel", ImageProtocol::kSixel}, {"kitty", ImageProtocol::kKitty},
                             {"iterm", ImageProtocol::kIterm2}, {"iterm2", ImageProtocol::kIterm2}}) {
    f.preview = value;
    EXPECT_EQ(ChooseImageProtocol(f, da1), want) << value;
  }
  EXPECT_EQ(asked, 0);
  TerminalInfo off = t;
  off.term = "foot";
  off.preview = "none";
  EXPECT_EQ(ChooseImageProtocol(off, da1), ImageProtocol::kNone);
  bool bad = true;
  f.preview = "auto";
  EXPECT_EQ(ChooseImageProtocol(f, da1, &bad), ImageProtocol::kSixel);
  EXPECT_FALSE(bad);
  f.preview = "sixels";
  EXPECT_EQ(ChooseImageProtocol(f, da1, &bad), ImageProtocol::kSixel);
  EXPECT_TRUE(bad);
  EXPECT_EQ(asked, 2);
}

TEST(TerminalPreviewTest, NoQueryOffATerminal) {
  if (::isatty(STDIN_FILENO) == 1 && ::isatty(STDOUT_FILENO) == 1) GTEST_SKIP() << "on a terminal";
  EXPECT_EQ(QueryPrimaryDeviceAttributes(50), "");
}

}  // namespace qimg
