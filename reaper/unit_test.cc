// A scope as the TARGET of reaper status | signal | stop | wait. Without a
// systemd here, the test makes what --scope leaves behind: a cgroup named
// NAME.scope with the command in it (reaper --cgroup). On a real systemd,
// //testing/systemd:systemd_test does the same with reaper --scope.
#include "reaper/unit.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "conformance/cgroups.h"
#include "gtest/gtest.h"
#include "reap/observe.h"
#include "reap/proc.h"
#include "testing/world.h"

namespace {

using reap_conformance::CgroupLeaf;
using reap_testing::RunResult;

class UnitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    root_ = reap_conformance::FindCgroup2(&why);
    if (root_.empty()) GTEST_SKIP() << why;
    leaf_ = CgroupLeaf::Create(root_, "reap-unit-test", &why);
    if (!leaf_) GTEST_SKIP() << why;
    unit_ = "reap-unit-test-" + std::to_string(getpid()) + ".scope";
    scope_ = leaf_->path() + "/" + unit_;
    ASSERT_EQ(mkdir(scope_.c_str(), 0755), 0) << strerror(errno);
  }
  void TearDown() override {
    world_.KillAll();
    if (!scope_.empty()) {
      reap_testing::PollUntil([&] { return rmdir(scope_.c_str()) == 0 || errno == ENOENT; });
    }
  }

  RunResult Reaper(std::vector<std::string> args, reap_testing::Millis d = reap_testing::Millis(20000)) {
    args.insert(args.begin(), reaper_);
    return reap_testing::Run(args, d);
  }
  // Starts the probe in the scope's cgroup; its PID.
  pid_t StartInScope(std::vector<std::string> probe_args) {
    std::vector<std::string> args = {"--cgroup", scope_, "--", probe_};
    args.insert(args.end(), probe_args.begin(), probe_args.end());
    RunResult r = Reaper(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return static_cast<pid_t>(std::atoi(r.out.c_str()));
  }

  reap_testing::World world_;
  std::string root_, unit_, scope_;
  std::unique_ptr<CgroupLeaf> leaf_;
  std::string reaper_ = reap_testing::Runfile("reaper/reaper");
  std::string probe_ = reap_testing::Runfile("conformance/probe/probe");
};

TEST_F(UnitTest, StatusSignalAndStopReachEveryProcessOfTheScope) {
  pid_t stubborn = StartInScope({"--linger-ms", "30000", "--ignore-term"});
  pid_t plain = StartInScope({"--linger-ms", "30000"});
  ASSERT_GT(stubborn, 0);
  ASSERT_GT(plain, 0);
  RunResult status = Reaper({"status", unit_});
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  std::string pids = stubborn < plain ? std::to_string(stubborn) + " " + std::to_string(plain)
                                      : std::to_string(plain) + " " + std::to_string(stubborn);
  EXPECT_EQ(status.out, "running " + unit_ + " (pids " + pids + ")\n");

  // One ignores SIGTERM (once its main has run): stop escalates to the
  // cgroup's kill after --timeout.
  ASSERT_TRUE(reap_testing::PollUntil([&] {
    auto st = reap::ReadProcStatus(stubborn);
    return st.ok() && (st->sig_ign & (1ull << (SIGTERM - 1))) != 0;
  }));
  RunResult stop = Reaper({"stop", "--timeout", "0.3", unit_});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(stop.out, "stopped " + unit_ + " (SIGKILL after 0.3 s)\n");
  EXPECT_FALSE(reap_testing::PidIsRunning(stubborn));
  EXPECT_FALSE(reap_testing::PidIsRunning(plain));

  RunResult gone = Reaper({"status", unit_});
  EXPECT_EQ(gone.exit_code, 3) << gone.out;
  EXPECT_EQ(gone.out, "not running: no process in " + unit_ + "\n");
  EXPECT_EQ(Reaper({"stop", unit_}).exit_code, 1) << "nothing to stop";
  EXPECT_EQ(Reaper({"signal", "TERM", unit_}).exit_code, 1);
  EXPECT_EQ(Reaper({"status", "reap-no-such-unit.scope"}).exit_code, 3);
}

TEST_F(UnitTest, SignalReachesEveryProcess) {
  pid_t a = StartInScope({"--linger-ms", "30000"});
  pid_t b = StartInScope({"--linger-ms", "30000"});
  RunResult r = Reaper({"signal", "KILL", unit_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(world_.AwaitExitAndReap(a));
  EXPECT_TRUE(world_.AwaitExitAndReap(b));
}

TEST_F(UnitTest, WaitReturnsWhenTheScopeIsEmpty) {
  StartInScope({"--linger-ms", "800"});
  RunResult early = Reaper({"wait", "--timeout", "0.05", unit_});
  EXPECT_EQ(early.exit_code, 3) << early.err;
  EXPECT_EQ(early.err, "reaper: wait: " + unit_ + " still running after 0.05 s\n");
  auto start = std::chrono::steady_clock::now();
  RunResult done = Reaper({"wait", unit_});
  EXPECT_EQ(done.exit_code, 0) << done.err;
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300)) << "returned at once";
  EXPECT_EQ(Reaper({"status", unit_}).exit_code, 3);
}

// Two cgroups of that name: which one is meant cannot be told; nothing is
// signalled.
TEST_F(UnitTest, TwoCgroupsOfOneNameAreRefused) {
  std::string why;
  auto other = CgroupLeaf::Create(root_, "reap-unit-test", &why);
  ASSERT_TRUE(other) << why;
  std::string twin = other->path() + "/" + unit_;
  ASSERT_EQ(mkdir(twin.c_str(), 0755), 0);
  pid_t pid = StartInScope({"--linger-ms", "30000"});
  RunResult stop = Reaper({"stop", unit_});
  EXPECT_EQ(stop.exit_code, 4) << stop.err;
  EXPECT_NE(stop.err.find("two cgroups are named " + unit_), std::string::npos) << stop.err;
  EXPECT_TRUE(reap_testing::PidIsRunning(pid));
  RunResult status = Reaper({"status", unit_});
  EXPECT_EQ(status.exit_code, 4) << status.out;
  EXPECT_EQ(rmdir(twin.c_str()), 0);
}

TEST(UnitTargetTest, OnlyAScopeNameIsAUnitTarget) {
  EXPECT_TRUE(reaper::IsUnitTarget("reap-4711.scope"));
  EXPECT_TRUE(reaper::IsUnitTarget("web-worker.scope"));
  EXPECT_FALSE(reaper::IsUnitTarget(".scope"));
  EXPECT_FALSE(reaper::IsUnitTarget("4711:99"));
  EXPECT_FALSE(reaper::IsUnitTarget("web.service"));
  EXPECT_FALSE(reaper::IsUnitTarget("/sys/fs/cgroup/x.scope"));
}

}  // namespace
