#include "reap/notify.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "gtest/gtest.h"
#include "testing/world.h"

namespace reap {
namespace {

// Sets NOTIFY_SOCKET for this test only.
class NotifyEnv {
 public:
  explicit NotifyEnv(const char* value) {
    if (const char* old = getenv("NOTIFY_SOCKET")) old_ = old;
    if (value != nullptr) {
      setenv("NOTIFY_SOCKET", value, 1);
    } else {
      unsetenv("NOTIFY_SOCKET");
    }
  }
  ~NotifyEnv() {
    if (old_.empty()) {
      unsetenv("NOTIFY_SOCKET");
    } else {
      setenv("NOTIFY_SOCKET", old_.c_str(), 1);
    }
  }

 private:
  std::string old_;
};

TEST(SendNotify, ReachesTheWaitingSocketFromTheCommand) {
  reap_testing::World world;
  auto socket = NotifySocket::Create();
  ASSERT_TRUE(socket.ok()) << socket.error().ToString();
  NotifyEnv env(socket->address().c_str());
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(SendNotify("STATUS=warming up\nREADY=1").ok() ? 0 : 1);
  auto r = socket->Wait(
      child, /*descendants=*/false, [] { return false; }, std::chrono::seconds(5));
  EXPECT_EQ(r.end, NotifyResult::End::kReady);
  EXPECT_EQ(r.status, "warming up");
  int status = 0;
  ASSERT_TRUE(world.AwaitExitAndReap(child, reap_testing::Millis(5000), &status));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(SendNotify, SendsNothingWithoutNotifySocket) {
  NotifyEnv unset(nullptr);
  EXPECT_TRUE(SendNotify("READY=1").ok());
  NotifyEnv empty("");
  EXPECT_TRUE(SendNotify("READY=1").ok());
}

TEST(SendNotify, SaysWhyWhenNobodyListens) {
  NotifyEnv env("@reap-notify-test-nobody-listens-here");
  Status s = SendNotify("READY=1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().op, "notify");
  EXPECT_EQ(s.error().err, ECONNREFUSED);
  EXPECT_EQ(s.error().ToString(), "notify: @reap-notify-test-nobody-listens-here: Connection refused");
}

}  // namespace
}  // namespace reap
