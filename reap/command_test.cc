// Command::Validate and IsValidEnvName: the data alone, no process.
#include "reap/command.h"

#include "gtest/gtest.h"

namespace reap {
namespace {

Command Valid() {
  Command c;
  c.program = "/bin/true";
  return c;
}

// The reason of C's validation error, "" when it is valid.
std::string Why(const Command& c) {
  auto e = c.Validate();
  if (!e) return "";
  EXPECT_EQ(e->stage, Stage::kValidate);
  EXPECT_EQ(e->err, EINVAL);
  EXPECT_EQ(e->what, "");
  return e->reason;
}

TEST(CommandTest, ValidateNamesWhatIsWrong) {
  EXPECT_EQ(Why(Valid()), "");
  Command c = Valid();
  c.program = "";
  EXPECT_EQ(Why(c), "empty program name");
  c = Valid();
  c.args = {"ok", std::string("a\0b", 3)};
  EXPECT_EQ(Why(c), "argument 2 contains a NUL byte");
  c = Valid();
  c.set_env = {{"", "x"}};
  EXPECT_EQ(Why(c), "bad environment variable name ''");
  c = Valid();
  c.unset_env = {"A=B"};
  EXPECT_EQ(Why(c), "bad environment variable name 'A=B'");
  c = Valid();
  c.umask = 01000;
  EXPECT_EQ(Why(c), "umask out of range 0..0777");
  c = Valid();
  c.keep_fds = {2};
  EXPECT_NE(Why(c).find("keep_fd 2 is a standard stream"), std::string::npos);
  c = Valid();
  c.stdio[1] = Stdio::File("");
  EXPECT_EQ(Why(c), "stdout file path is empty or has NUL");
  c = Valid();
  c.cgroup = std::string("x\0y", 3);
  EXPECT_EQ(Why(c), "cgroup directory contains a NUL byte");
}

// What environ can carry: anything but '=' and NUL (not only shell names).
TEST(CommandTest, EnvNamesAreWhatEnvironCanCarry) {
  for (const char* good : {"A", "_", "PATH", "1A", "A-B", "A B"}) EXPECT_TRUE(IsValidEnvName(good)) << good;
  for (std::string bad : {std::string(""), std::string("A=B"), std::string("A\0B", 3)}) {
    EXPECT_FALSE(IsValidEnvName(bad)) << bad;
  }
}

TEST(CommandTest, StdioFileKeepsItsPathAndAppend) {
  Stdio s = Stdio::File("/var/log/x", true);
  EXPECT_EQ(s.mode, Stdio::Mode::kFile);
  EXPECT_EQ(s.path, "/var/log/x");
  EXPECT_TRUE(s.append);
}

}  // namespace
}  // namespace reap
