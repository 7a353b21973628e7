// IsSameProcess and IsRunning: by PID and start time, a zombie is the same
// process but not running, and another start time is another process.
#include "reap/identity.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gtest/gtest.h"
#include "reap/proc.h"
#include "testing/world.h"

namespace reap {
namespace {

TEST(IdentityTest, SelfIsRunningAndAnotherStartTimeIsNot) {
  Identity self = reap_testing::IdentityOf(getpid());
  EXPECT_TRUE(IsSameProcess(self));
  EXPECT_TRUE(IsRunning(self));
  Identity recycled = self;
  recycled.start_time += 1;
  EXPECT_FALSE(IsSameProcess(recycled));
  EXPECT_FALSE(IsRunning(recycled));
  Identity any_start = self;
  any_start.start_time = 0;  // not known: the pid alone
  EXPECT_TRUE(IsRunning(any_start));
}

TEST(IdentityTest, AZombieIsTheSameProcessButNotRunningAndAReapedOneIsNeither) {
  reap_testing::World world;
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  Identity id = reap_testing::IdentityOf(child);
  ASSERT_TRUE(reap_testing::PollUntil([&] {
    auto st = ReadProcStat(child);
    return st.ok() && HasExited(st->state);
  }));
  EXPECT_TRUE(IsSameProcess(id));
  EXPECT_FALSE(IsRunning(id));
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  EXPECT_FALSE(IsSameProcess(id));
  EXPECT_FALSE(IsRunning(id));
}

}  // namespace
}  // namespace reap
