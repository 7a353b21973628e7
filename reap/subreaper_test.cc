// BecomeSubreaper and ReapExited: an orphaned grandchild is adopted by us
// and reaped with its status; nothing that still runs is touched.
#include "reap/subreaper.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "gtest/gtest.h"
#include "reap/proc.h"
#include "testing/world.h"

namespace reap {
namespace {

TEST(SubreaperTest, AdoptsAndReapsOrphansWithTheirStatus) {
  reap_testing::World world;  // a subreaper already; BecomeSubreaper is idempotent
  ASSERT_TRUE(BecomeSubreaper().ok());
  int flag = 0;
  ASSERT_EQ(prctl(PR_GET_CHILD_SUBREAPER, &flag), 0);
  EXPECT_EQ(flag, 1);
  int p[2], go[2];  // the grandchild's PID up; "go" down
  ASSERT_EQ(pipe(p), 0);
  ASSERT_EQ(pipe(go), 0);
  pid_t middle = fork();
  ASSERT_GE(middle, 0);
  if (middle == 0) {
    pid_t grandchild = fork();
    if (grandchild == 0) {
      char c;
      if (read(go[0], &c, 1) < 0) _exit(1);  // until the test says go
      _exit(7);
    }
    if (write(p[1], &grandchild, sizeof grandchild) != sizeof grandchild) _exit(1);
    _exit(0);  // orphans it
  }
  pid_t grandchild = 0;
  ASSERT_EQ(read(p[0], &grandchild, sizeof grandchild), static_cast<ssize_t>(sizeof grandchild));
  // The grandchild is ours once its parent is gone; still running, it is
  // not reaped.
  ASSERT_TRUE(reap_testing::PollUntil([&] {
    auto st = ReadProcStat(grandchild);
    return st.ok() && st->ppid == getpid();
  }));
  std::set<pid_t> reaped;
  for (const Reaped& r : ReapExited()) reaped.insert(r.pid);
  EXPECT_EQ(reaped.count(grandchild), 0u) << "a running process was reaped";
  ASSERT_EQ(write(go[1], "g", 1), 1);
  int status = -1;
  ASSERT_TRUE(reap_testing::PollUntil([&] {
    for (const Reaped& r : ReapExited()) {
      reaped.insert(r.pid);
      if (r.pid == grandchild) status = r.status;
    }
    return status != -1;
  }));
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7);
  EXPECT_EQ(reaped.count(middle), 1u);
  for (int fd : {p[0], p[1], go[0], go[1]}) close(fd);
}

}  // namespace
}  // namespace reap
