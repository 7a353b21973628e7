// FindOnPath, the one PATH lookup (Detach, the suite, the benchmarks): the
// first executable regular file wins, an empty entry means ".", and a miss
// says EACCES when something was there but could not be run.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gtest/gtest.h"
#include "reap/observe.h"
#include "testing/world.h"

namespace reap {
namespace {

void MakeFile(const std::string& path, mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  ASSERT_GE(fd, 0) << path;
  close(fd);
  chmod(path.c_str(), mode);
}

TEST(FindOnPathTest, FirstExecutableRegularFileWins) {
  std::string d = reap_testing::TempDir();
  for (const char* sub : {"/a", "/b", "/c"}) mkdir((d + sub).c_str(), 0755);
  MakeFile(d + "/a/tool", 0644);         // not executable: skipped
  mkdir((d + "/b/tool").c_str(), 0755);  // a directory: skipped
  MakeFile(d + "/c/tool", 0755);
  std::string path = d + "/a:" + d + "/b:" + d + "/c";
  auto found = FindOnPath("tool", path.c_str());
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  EXPECT_EQ(found.value(), d + "/c/tool");
}

TEST(FindOnPathTest, MissesSayWhy) {
  std::string d = reap_testing::TempDir();
  MakeFile(d + "/plain", 0644);
  auto eacces = FindOnPath("plain", d.c_str());
  ASSERT_FALSE(eacces.ok());
  EXPECT_EQ(eacces.error().err, EACCES);
  EXPECT_EQ(eacces.error().op, "path");
  auto enoent = FindOnPath("reap-no-such-tool", d.c_str());
  ASSERT_FALSE(enoent.ok());
  EXPECT_EQ(enoent.error().err, ENOENT);
}

TEST(FindOnPathTest, EmptyEntryIsTheWorkingDirectoryAndSlashNamesAreKept) {
  std::string d = reap_testing::TempDir();
  MakeFile(d + "/here", 0755);
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof cwd), nullptr);
  ASSERT_EQ(chdir(d.c_str()), 0);
  auto found = FindOnPath("here", "/nonexistent::");
  EXPECT_EQ(chdir(cwd), 0);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found.value(), "./here");
  EXPECT_EQ(FindOnPath("./x/y", "").value(), "./x/y");
}

TEST(FindOnPathTest, NoPathMeansTheSystemDefault) {
  auto sh = FindOnPath("sh", nullptr);
  ASSERT_TRUE(sh.ok()) << sh.error().ToString();
  EXPECT_EQ(sh.value().rfind("/", 0), 0u) << sh.value();
}

}  // namespace
}  // namespace reap
