#include <signal.h>
#include <sys/wait.h>

#include "gtest/gtest.h"
#include "reap/detach.h"
#include "reap/identity.h"
#include "reap/subreaper.h"

TEST(LibraryTest, DetachesAndAdopts) {
  ASSERT_TRUE(reap::BecomeSubreaper().ok());
  reap::Command c;
  c.program = "sleep";
  c.args = {"30"};
  auto id = reap::Detach(c);
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  EXPECT_TRUE(reap::IsRunning(id.value()));
  EXPECT_EQ(id->sid, id->pid);
  kill(id->pid, SIGKILL);
  int status = 0;
  EXPECT_EQ(waitpid(id->pid, &status, 0), id->pid);  // adopted by us
}
