// The registry and the checks every mode and the harness share.
#include "conformance/properties.h"

#include <signal.h>

#include <set>

#include "gtest/gtest.h"

namespace reap_conformance {
namespace {

TEST(Registry, NamesAreUniqueAndEachModeKeepsItsOrder) {
  std::set<std::string> seen;
  for (const Property& p : Properties()) {
    EXPECT_TRUE(seen.insert(p.name).second) << p.name;
    EXPECT_TRUE(p.cli || p.server) << p.name << " is judged in no mode";
    EXPECT_EQ(FindProperty(p.name), &p);
    EXPECT_EQ(&PropertyOf(p.id), &p);
  }
  EXPECT_EQ(FindProperty("flying"), nullptr);
  EXPECT_EQ(PropertyNames(Mode::kCli).front(), "exec-failure");
  EXPECT_EQ(PropertyNames(Mode::kServer).back(), "random-faults");
  EXPECT_EQ(PropertyNames(Mode::kCli).size(), 16u);
  EXPECT_EQ(PropertyNames(Mode::kServer).size(), 12u);
  EXPECT_EQ(PropertyNames().size(), 17u);
}

ProbeReport Clean() {
  ProbeReport c;
  c.pid = 50, c.sid = 50, c.pgid = 50, c.tty = 0, c.sigign = 0, c.sigblk = 0, c.fds = {0, 1, 2};
  return c;
}

TEST(Checks, NewSession) {
  ProbeReport c = Clean();
  EXPECT_FALSE(NewSessionViolation(c, 10, 10, "caller"));
  c.sid = 10;
  EXPECT_EQ(NewSessionViolation(c, 10, 10, "caller"), "the command stays in the caller's session");
  c.sid = 50, c.pgid = 10;
  EXPECT_EQ(NewSessionViolation(c, 10, 10, "server"), "the command stays in the server's process group");
  c.pgid = 50, c.tty = 34816;
  EXPECT_EQ(NewSessionViolation(c, 10, 10, "caller"), "the command has a controlling terminal");
}

TEST(Checks, CleanSignals) {
  ProbeReport c = Clean();
  EXPECT_FALSE(CleanSignalsViolation(c));
  c.sigign = 1ull << (SIGINT - 1);
  c.sigblk = 1ull << (SIGUSR2 - 1);
  EXPECT_EQ(CleanSignalsViolation(c), "starts with SIGINT ignored, SIGUSR2 blocked");
}

TEST(Checks, LeakedFds) {
  ProbeReport c = Clean();
  EXPECT_FALSE(LeakedFdsViolation(c, {7, 8}, "caller"));
  c.fds = {0, 1, 2, 7, 9};
  EXPECT_EQ(LeakedFdsViolation(c, {7, 8}, "caller"),
            "the command holds the caller's fds 7 (of 7,8) and fds 9 that the caller did not have");
  EXPECT_EQ(LeakedFdsViolation(c, {}, "caller"), "the command holds fds 7,9 beyond 0,1,2");
}

TEST(Checks, Stdio) {
  EXPECT_FALSE(StdioViolation({"/dev/null", "pipe:[5]", "/dev/null"}, {"pipe:[6]"}, "caller"));
  EXPECT_NE(StdioViolation({"/dev/null", "pipe:[6]", "/dev/null"}, {"pipe:[6]"}, "caller")
                ->rfind("fd 1 is the caller's pipe:[6]", 0),
            std::string::npos);
  EXPECT_EQ(StdioViolation({"/dev/pts/3", "/dev/null", "/dev/null"}, {}, "caller"),
            "fd 0 is the terminal /dev/pts/3");
}

TEST(Checks, PidAndArgv) {
  EXPECT_FALSE(PidViolation(5, 5));
  EXPECT_EQ(PidViolation(4, 5), "reported pid 4 but the command is pid 5");
  auto payload = TrickyArguments("/tmp/m");
  std::vector<std::string> cmdline = {"probe", "--x", "--"};
  cmdline.insert(cmdline.end(), payload.begin(), payload.end());
  EXPECT_FALSE(ArgvViolation(cmdline, payload, false));
  EXPECT_EQ(ArgvViolation(cmdline, payload, true), "the arguments were interpreted: an injected command ran");
  cmdline.pop_back();
  EXPECT_EQ(ArgvViolation(cmdline, payload, false), "arguments were changed on the way (got 9 of 10 intact)");
}

}  // namespace
}  // namespace reap_conformance
