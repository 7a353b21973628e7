// A "detacher" that runs its command in place returns only once the command
// has ended: a trial says so (ended_before_return), so that the survives-*
// properties fail it for that reason, not for a kill that came after. A
// real detacher's command is still running when it returns.
#include "conformance/description.h"
#include "conformance/trial.h"
#include "gtest/gtest.h"
#include "testing/world.h"

namespace reap_conformance {
namespace {

TEST(InPlaceTest, ACommandRunInPlaceHadEndedWhenItsDetacherReturned) {
  reap_testing::World world;  // the suite's trials need a subreaper
  SuiteOptions o;
  o.probe = reap_testing::Runfile("conformance/probe/probe");
  auto in_place = ParseDescription("name = in place\ntemplate = {cmd}\npid = adopted\n");
  ASSERT_TRUE(in_place.ok()) << in_place.error().ToString();
  TrialSpec spec;
  spec.after = After::kKillGroup;
  spec.linger_ms = 300;
  Trial t = RunTrial(in_place.value(), o, spec);
  ASSERT_TRUE(t.command) << t.error;
  EXPECT_TRUE(t.exited);
  EXPECT_TRUE(t.ended_before_return);

  o.defines["reaper"] = reap_testing::Runfile("reaper/reaper");
  auto reaper = ParseDescription("name = reaper\ntemplate = {reaper} -- {cmd}\n");
  ASSERT_TRUE(reaper.ok());
  spec.linger_ms = 5000;
  Trial r = RunTrial(reaper.value(), o, spec);
  ASSERT_TRUE(r.command) << r.error;
  EXPECT_FALSE(r.ended_before_return);
  EXPECT_TRUE(r.command_alive) << "reaper's command survives the group kill";
}

}  // namespace
}  // namespace reap_conformance
