#include "base/file_walk.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "base/fs.h"

namespace qimg {

TEST(FileWalkTest, SortedSkipsHiddenFollowsLinksDetectsLoops) {
  std::string root = testing::TempDir() + "/walk_" + std::to_string(::getpid());
  ASSERT_TRUE(MakeDirs(root + "/b/c").ok());
  ASSERT_TRUE(MakeDirs(root + "/.hidden").ok());
  std::ofstream(root + "/b/c/z.jpg") << "x";
  std::ofstream(root + "/a.jpg") << "xy";
  std::ofstream(root + "/.hidden/h.jpg") << "x";
  ASSERT_EQ(::symlink(root.c_str(), (root + "/b/loop").c_str()), 0);
  ASSERT_EQ(::symlink((root + "/a.jpg").c_str(), (root + "/link.jpg").c_str()), 0);
  ASSERT_EQ(::mkfifo((root + "/fifo.jpg").c_str(), 0644), 0);
  std::vector<std::string> files;
  std::vector<std::string> problems;
  std::string link_target;
  Status s = WalkTree(root, {}, [&](WalkEntry e) {
    files.push_back(e.rel_path);
    if (e.rel_path == "link.jpg") link_target = e.abs_path;
  }, [&](WalkProblem p) { problems.push_back(p.rel_path + ": " + p.reason); });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(files, (std::vector<std::string>{"a.jpg", "b/c/z.jpg", "link.jpg"}));
  EXPECT_EQ(link_target, *RealPath(root + "/a.jpg"));
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("loop"), std::string::npos);
  EXPECT_NE(problems[1].find("fifo.jpg: not a regular file"), std::string::npos);
}

TEST(FileWalkTest, MissingRootIsAnError) {
  EXPECT_FALSE(WalkTree("/nonexistent/qimg", {}, [](WalkEntry) {}, [](WalkProblem) {}).ok());
}

}  // namespace qimg
