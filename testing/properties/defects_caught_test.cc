// Proves the property tests can fail: with each deliberate defect of the
// library turned on (reap/internal/fault.h, through REAP_DEFECT), a property
// must fail, with a shrunk schedule and the invariant it breaks named, and a
// replay string printed. Every defect the library declares must be here.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "reap/internal/fault.h"
#include "testing/world.h"

namespace {

using reap::internal::Defect;

// The invariant each defect breaks: text its failure must contain.
const char* BrokenInvariant(Defect d) {
  switch (d) {
    case Defect::kSkipSetsid:
      return "2. reparenting: the command stays in the caller's session";
    case Defect::kNoReapIntermediate:
      return "1. no zombies: the caller had 1 zombie child";
    case Defect::kReportIntermediatePid:
      return "3. accuracy: reported pid";
    case Defect::kLeakFd:
      return "5. leaks: the command holds fds";
    case Defect::kBlockSignal:
      return "5. leaks: the command starts with SIGTERM blocked";
    case Defect::kNone:
    case Defect::kCount:
      break;
  }
  return nullptr;
}

std::vector<Defect> AllDefects() {
  std::vector<Defect> all;
  for (int i = static_cast<int>(Defect::kNone) + 1; i < static_cast<int>(Defect::kCount); ++i) {
    all.push_back(static_cast<Defect>(i));
  }
  return all;
}

class DefectsCaughtTest : public ::testing::TestWithParam<Defect> {};

TEST_P(DefectsCaughtTest, PropertiesFailWithAShrunkSchedule) {
  const Defect d = GetParam();
  const char* invariant = BrokenInvariant(d);
  ASSERT_NE(invariant, nullptr) << "no expected invariant for defect " << reap::internal::DefectName(d);
  std::string binary = reap_testing::Runfile("testing/properties/detach_properties_test");
  reap_testing::RunResult r = reap_testing::Run(
      {binary, "--gtest_filter=DetachProperties.LibraryUnderSubreaper"}, reap_testing::Millis(240000),
      {"RC_PARAMS=max_success=200", std::string("REAP_DEFECT=") + reap::internal::DefectName(d)});
  std::string all = r.out + r.err;
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << all;
  EXPECT_NE(all.find("Falsifiable after"), std::string::npos) << all;
  EXPECT_NE(all.find("reap_testing::Schedule"), std::string::npos) << "schedule printed: " << all;
  EXPECT_NE(all.find(invariant), std::string::npos) << all;
  EXPECT_NE(all.find("RC_PARAMS=\"reproduce="), std::string::npos) << "replay string: " << all;
}

// Without a defect the same run passes: the failures above are the defects'.
TEST(DefectsCaughtBaseline, PropertiesPassWithoutADefect) {
  std::string binary = reap_testing::Runfile("testing/properties/detach_properties_test");
  reap_testing::RunResult r =
      reap_testing::Run({binary, "--gtest_filter=DetachProperties.LibraryUnderSubreaper"},
                        reap_testing::Millis(240000), {"RC_PARAMS=max_success=50", "REAP_DEFECT=none"});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.out + r.err;
}

INSTANTIATE_TEST_SUITE_P(Defects, DefectsCaughtTest, ::testing::ValuesIn(AllDefects()),
                         [](const ::testing::TestParamInfo<Defect>& info) {
                           return std::string(reap::internal::DefectName(info.param));
                         });

}  // namespace
