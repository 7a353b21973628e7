// Error: what each field holds, and the two lines made from them. Detach's
// real failures are checked to use the fields as error.h says.
#include "reap/error.h"

#include <errno.h>

#include "gtest/gtest.h"
#include "reap/detach.h"
#include "reap/handle.h"
#include "testing/world.h"

namespace reap {
namespace {

TEST(ErrorTest, StageErrorFillsItsFieldsAndSaysStageWhatReason) {
  Error e = StageError(Stage::kExec, ENOENT, "/nonexistent");
  EXPECT_EQ(e.stage, Stage::kExec);
  EXPECT_EQ(e.err, ENOENT);
  EXPECT_EQ(e.what, "/nonexistent");
  EXPECT_EQ(e.op, "");
  EXPECT_EQ(e.reason, "");
  EXPECT_EQ(e.Message(), "/nonexistent: No such file or directory");
  EXPECT_EQ(e.ToString(), "exec: /nonexistent: No such file or directory");
  // A reason replaces strerror.
  EXPECT_EQ(StageError(Stage::kValidate, EINVAL, {}, "empty program").ToString(), "validate: empty program");
}

TEST(ErrorTest, OpErrorNamesItsOperationInsteadOfAStage) {
  Error e = OpError("pidfile", EEXIST, "/run/x.pid", "names running process 12");
  EXPECT_EQ(e.stage, Stage::kNone);
  EXPECT_EQ(e.op, "pidfile");
  EXPECT_EQ(e.ToString(), "pidfile: /run/x.pid: names running process 12");
  EXPECT_EQ(OpError("proc", 0, "").ToString(), "proc");
  EXPECT_EQ(Error{}.ToString(), "error");
}

TEST(ErrorTest, EveryStageHasAName) {
  for (int s = 0; s <= static_cast<int>(Stage::kLost); ++s) {
    std::string name = StageName(static_cast<Stage>(s));
    EXPECT_NE(name, "unknown") << s;
    EXPECT_FALSE(name.empty()) << s;
  }
}

// Real failures: `what` names the object, never prose or a syscall.
TEST(ErrorTest, DetachFailuresNameTheirObjectInWhat) {
  reap_testing::World world;
  Command c;
  c.program = "/nonexistent/prog";
  auto id = Detach(c);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().stage, Stage::kExec);
  EXPECT_EQ(id.error().what, "/nonexistent/prog");

  c.program = "reap-no-such-program";
  id = Detach(c);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().stage, Stage::kResolve);
  EXPECT_EQ(id.error().what, "reap-no-such-program");

  c.program = "/bin/true";
  c.cwd = "/nonexistent-dir";
  id = Detach(c);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().stage, Stage::kChdir);
  EXPECT_EQ(id.error().what, "/nonexistent-dir");
}

TEST(ErrorTest, HandleErrorsKeepProseInReason) {
  Identity gone;
  gone.pid = 0x7ffffff0;  // above any pid_max
  auto h = ProcessHandle::Open(gone);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().err, ESRCH);
  EXPECT_EQ(h.error().what, "pid " + std::to_string(gone.pid));
  EXPECT_EQ(h.error().reason, "not running");
  EXPECT_EQ(h.error().ToString(), "process: pid " + std::to_string(gone.pid) + ": not running");
}

}  // namespace
}  // namespace reap
