// The judgements of a process that the verdicts rest on.
#include "conformance/processes.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gtest/gtest.h"
#include "reap/observe.h"
#include "reap/proc.h"

namespace reap_conformance {
namespace {

// A child that sleeps in pause() with SIGHUP at DISPOSITION; reaped at scope end.
class Sleeper {
 public:
  explicit Sleeper(void (*disposition)(int)) {
    pid_ = fork();
    if (pid_ == 0) {
      signal(SIGHUP, disposition);
      for (;;) pause();
    }
  }
  ~Sleeper() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_;
};

TEST(WorldTest, AFatalSignalIsSeenTheMomentItIsSent) {
  Sleeper s(SIG_DFL);
  ASSERT_GT(s.pid(), 0);
  ASSERT_TRUE(PollUntil([&] { return Idle(s.pid()); }));
  EXPECT_TRUE(Surviving(s.pid()));
  ASSERT_EQ(kill(s.pid(), SIGHUP), 0);
  // No wait: whether or not it has run since, it is doomed.
  EXPECT_FALSE(Surviving(s.pid()));
}

TEST(WorldTest, AnIgnoredSignalLeavesItSurviving) {
  Sleeper s(SIG_IGN);
  ASSERT_TRUE(PollUntil([&] { return Idle(s.pid()); }));
  ASSERT_EQ(kill(s.pid(), SIGHUP), 0);
  EXPECT_TRUE(Surviving(s.pid()));
}

TEST(WorldTest, ABusyProcessIsNotIdle) {
  pid_t busy = fork();
  if (busy == 0) {
    for (;;) {
    }
  }
  ASSERT_GT(busy, 0);
  EXPECT_FALSE(Idle(busy));
  kill(busy, SIGKILL);
  waitpid(busy, nullptr, 0);
  EXPECT_FALSE(Idle(busy));  // gone
}

TEST(WorldTest, PendingSignalsAreRead) {
  Sleeper s(SIG_DFL);
  ASSERT_TRUE(PollUntil([&] { return Idle(s.pid()); }));
  kill(s.pid(), SIGSTOP);
  ASSERT_TRUE(PollUntil([&] {
    auto st = reap::ReadProcStat(s.pid());
    return st.ok() && st->state == 'T';
  }));
  kill(s.pid(), SIGUSR1);  // stays pending while stopped
  auto status = reap::ReadProcStatus(s.pid());
  ASSERT_TRUE(status.ok());
  EXPECT_NE(status->sig_pnd & (1ull << (SIGUSR1 - 1)), 0u);
  EXPECT_TRUE(Idle(s.pid()));  // stopped
}

}  // namespace
}  // namespace reap_conformance
