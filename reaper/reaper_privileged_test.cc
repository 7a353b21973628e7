// reaper tests that act as another user. They run outside Bazel's sandbox
// (tag no-sandbox): its user namespace maps no other uid. The test process
// is a subreaper (World) that reaps and kills what it started.
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "testing/world.h"

namespace {

class ReaperPrivilegedTest : public ::testing::Test {
 protected:
  void TearDown() override { world_.KillAll(); }
  reap_testing::World world_;
  std::string reaper_ = reap_testing::Runfile("reaper/reaper");
};

// In a sticky directory (/tmp, /run/lock) a pidfile of another user cannot
// be replaced: reaper says so before it starts anything.
TEST_F(ReaperPrivilegedTest, PidfileOfAnotherUserInAStickyDirectoryIsRefusedBeforeTheStart) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  // Everything uid 65534 touches lives in /tmp (the runfiles and the test's
  // temp dir are under root's 0700 cache), reaper included.
  char base[] = "/tmp/reap-privileged.XXXXXX";
  ASSERT_NE(mkdtemp(base), nullptr);
  ASSERT_EQ(chmod(base, 0755), 0);
  std::string reaper = std::string(base) + "/reaper";
  {
    std::ifstream in(reaper_, std::ios::binary);
    std::ofstream copy(reaper, std::ios::binary);
    copy << in.rdbuf();
  }
  ASSERT_EQ(chmod(reaper.c_str(), 0755), 0);
  std::string dir = std::string(base) + "/sticky";
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  ASSERT_EQ(chmod(dir.c_str(), 01777), 0);
  std::string pidfile = dir + "/app.pid";
  { std::ofstream(pidfile) << "999999\n"; }  // root's, naming no process
  std::string out = dir + "/out";
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    dup2(fd, 1);
    dup2(fd, 2);
    if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0) _exit(99);
    execl(reaper.c_str(), "reaper", "--pidfile", pidfile.c_str(), "--", "/bin/sleep", "30",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  ASSERT_TRUE(world_.AwaitExitAndReap(child, reap_testing::Millis(10000), &status));
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_NE(WEXITSTATUS(status), 99) << "could not become uid 65534";
  EXPECT_EQ(WEXITSTATUS(status), 1) << reap_testing::ReadAll(out);
  EXPECT_EQ(reap_testing::ReadAll(out),
            "reaper: pidfile: " + pidfile + ": belongs to uid 0 in a sticky directory\n");
  EXPECT_TRUE(world_.Children().empty());
  EXPECT_EQ(reap_testing::ReadAll(pidfile), "999999\n");
  for (const std::string& f : {pidfile, out, reaper}) unlink(f.c_str());
  rmdir(dir.c_str());
  rmdir(base);
}

// The "Uid:"/"Gid:"/"Groups:" values of /proc/PID/status.
std::string StatusLine(pid_t pid, const std::string& key) {
  std::string text = "\n" + reap_testing::ReadAll("/proc/" + std::to_string(pid) + "/status");
  std::size_t at = text.find("\n" + key + ":");
  if (at == std::string::npos) return "";
  at += key.size() + 2;
  std::string line = text.substr(at, text.find('\n', at) - at);
  std::string out;
  for (char c : line) out += c == '\t' ? ' ' : c;
  while (!out.empty() && out.front() == ' ') out.erase(0, 1);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// --user nobody: real, effective, saved and fs uid/gid, and the groups, are
// nobody's (set with the raw per-process system calls).
TEST_F(ReaperPrivilegedTest, UserSetsEveryIdAndTheGroups) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  struct Case {
    const char* spec;
    const char* groups;
  };
  for (const Case& c :
       {Case{"nobody", "65534"}, Case{"nobody:nogroup", "65534"}, Case{"65534:65534", "65534"}}) {
    reap_testing::RunResult r = reap_testing::Run({reaper_, "--user", c.spec, "--", "/bin/sleep", "30"});
    ASSERT_EQ(r.exit_code, 0) << c.spec << ": " << r.err;
    pid_t pid = static_cast<pid_t>(std::atoi(r.out.c_str()));
    ASSERT_TRUE(reap_testing::PollUntil([&] { return StatusLine(pid, "Name") == "sleep"; }));
    EXPECT_EQ(StatusLine(pid, "Uid"), "65534 65534 65534 65534") << c.spec;
    EXPECT_EQ(StatusLine(pid, "Gid"), "65534 65534 65534 65534") << c.spec;
    EXPECT_EQ(StatusLine(pid, "Groups"), c.groups) << c.spec;
    kill(pid, SIGKILL);
    world_.AwaitExitAndReap(pid);
  }
}

}  // namespace
