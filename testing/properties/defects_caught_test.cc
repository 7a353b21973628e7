// Proves the property tests can fail: each deliberately defective build of
// the library must make a property fail, with a shrunk schedule and the
// invariant it breaks named, and a replay string printed.
#include <string>

#include "gtest/gtest.h"
#include "testing/world.h"

namespace {

struct Defect {
  const char* name;
  const char* invariant;  // text the failure must contain
};

class DefectsCaughtTest : public ::testing::TestWithParam<Defect> {};

TEST_P(DefectsCaughtTest, PropertiesFailWithAShrunkSchedule) {
  const Defect& d = GetParam();
  std::string binary =
      reap_testing::Runfile(std::string("testing/properties/detach_properties_defect_") + d.name);
  reap_testing::RunResult r =
      reap_testing::Run({binary, "--gtest_filter=DetachProperties.LibraryUnderSubreaper"},
                        reap_testing::Millis(240000), {"RC_PARAMS=max_success=200"});
  std::string all = r.out + r.err;
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << all;
  EXPECT_NE(all.find("Falsifiable after"), std::string::npos) << all;
  EXPECT_NE(all.find("reap_testing::Schedule"), std::string::npos) << "schedule printed: " << all;
  EXPECT_NE(all.find(d.invariant), std::string::npos) << all;
  EXPECT_NE(all.find("RC_PARAMS=\"reproduce="), std::string::npos) << "replay string: " << all;
}

INSTANTIATE_TEST_SUITE_P(
    Defects, DefectsCaughtTest,
    ::testing::Values(Defect{"skip_setsid", "2. reparenting: the command stayed in the caller's session"},
                      Defect{"no_reap_intermediate", "1. no zombies: the caller had 1 zombie child"},
                      Defect{"report_intermediate_pid", "3. accuracy: reported pid"},
                      Defect{"leak_fd", "5. leaks: the command holds fds"},
                      Defect{"block_signal", "5. leaks: the command starts with blocked signals"}),
    [](const ::testing::TestParamInfo<Defect>& info) { return std::string(info.param.name); });

}  // namespace
