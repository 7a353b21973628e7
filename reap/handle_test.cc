// ProcessHandle: opened on an identity, it signals that process and no
// other; a wrong start time is ESTALE; waits are bounded, and a wait with
// milliseconds::max() waits (it once overflowed and returned at once).
#include "reap/handle.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "gtest/gtest.h"
#include "reap/proc.h"
#include "testing/world.h"

namespace reap {
namespace {

TEST(HandleTest, SignalsItsProcessAndSeesItExit) {
  reap_testing::World world;
  pid_t pid = reap_testing::ForkPausing();
  ASSERT_GT(pid, 0);
  auto h = ProcessHandle::Open(reap_testing::IdentityOf(pid));
  ASSERT_TRUE(h.ok()) << h.error().ToString();
  EXPECT_FALSE(h->Exited());
  EXPECT_FALSE(h->WaitForExit(std::chrono::milliseconds(20)));
  EXPECT_TRUE(h->Signal(0).ok());
  EXPECT_TRUE(h->Signal(SIGTERM).ok());
  EXPECT_TRUE(h->WaitForExit(std::chrono::seconds(5)));
  EXPECT_TRUE(h->Exited()) << "a zombie counts as exited";
  ASSERT_EQ(waitpid(pid, nullptr, 0), pid);
  auto after = h->Signal(SIGTERM);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().err, ESRCH);
}

TEST(HandleTest, AnotherStartTimeIsRefused) {
  reap_testing::World world;
  pid_t pid = reap_testing::ForkPausing();
  Identity stale = reap_testing::IdentityOf(pid);
  stale.start_time += 1;
  auto h = ProcessHandle::Open(stale);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().err, ESTALE);
  EXPECT_NE(h.error().reason.find("now belongs to another process"), std::string::npos);
  EXPECT_TRUE(reap_testing::PidIsRunning(pid));
}

TEST(HandleTest, WaitingForeverWaits) {
  reap_testing::World world;
  pid_t pid = reap_testing::ForkPausing();
  auto h = ProcessHandle::Open(reap_testing::IdentityOf(pid));
  ASSERT_TRUE(h.ok());
  std::thread killer([pid] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill(pid, SIGKILL);
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(h->WaitForExit(std::chrono::milliseconds::max()));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(250));
  killer.join();
  waitpid(pid, nullptr, 0);
}

}  // namespace
}  // namespace reap
