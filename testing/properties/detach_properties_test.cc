// Property tests: random fault schedules against real process trees.
// rapidcheck generates schedules, runs each as a scenario, and shrinks a
// failing one to a minimal schedule, printed with the seed to replay it.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "gtest/gtest.h"
// rapidcheck's gtest glue needs gtest first.
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "reap/subreaper.h"
#include "testing/scenario.h"
#include "testing/world.h"

namespace rc {

template <>
struct Arbitrary<reap_testing::Schedule> {
  static Gen<reap_testing::Schedule> arbitrary() {
    using reap_testing::ProbeMode;
    using reap_testing::Schedule;
    using reap_testing::Target;
    using reap_testing::When;
    // Elements are listed simplest first; sizedElement shrinks toward the
    // front (gen::element would not shrink at all).
    return gen::build<Schedule>(
        gen::set(&Schedule::target, gen::sizedElement(Target::kNone, Target::kGrandparent, Target::kParent,
                                                      Target::kIntermediate, Target::kCommand,
                                                      Target::kParentGroup, Target::kSessionHangup)),
        gen::set(&Schedule::signal, gen::sizedElement(SIGKILL, SIGTERM, SIGHUP)),
        gen::set(&Schedule::when,
                 gen::sizedElement(When::kDelay, When::kBeforeFirstClone, When::kIntermediateBeforeClone,
                                   When::kChildBeforeExec, When::kAfterExecBeforeReport, When::kBeforeReturn,
                                   When::kAfterReturn)),
        gen::set(&Schedule::delay_us, gen::inRange(0, 3000)),
        gen::set(&Schedule::probe, gen::sizedElement(ProbeMode::kLinger, ProbeMode::kExitNow,
                                                     ProbeMode::kExitAfterDelay, ProbeMode::kIgnoreTerm)),
        gen::set(&Schedule::probe_ms, gen::inRange(1, 30)),
        gen::set(&Schedule::nonexistent, gen::map(gen::inRange(0, 10), [](int x) { return x == 9; })));
  }
};

}  // namespace rc

namespace {

using reap_testing::RunInPidNamespace;
using reap_testing::RunScenario;
using reap_testing::ScenarioConfig;
using reap_testing::Via;

std::map<std::string, int>& Cases() {
  static std::map<std::string, int> cases;
  return cases;
}

ScenarioConfig Config(Via via) {
  ScenarioConfig c;
  c.via = via;
  c.probe = reap_testing::Runfile("conformance/probe/probe");
  c.reaper = reap_testing::Runfile("reaper/reaper_faults");
  return c;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += "\n  " + s;
  return out;
}

void Check(const char* property, const std::vector<std::string>& violations) {
  Cases()[property]++;
  if (violations.empty()) return;
  // Printed now as well: if a shrink or the final replay does not reproduce
  // it, rapidcheck's own report would not show this first failure.
  std::fprintf(stderr, "%s: invariants violated:%s\n", property, Join(violations).c_str());
  RC_FAIL("invariants violated:" + Join(violations));
}

RC_GTEST_PROP(DetachProperties, LibraryUnderSubreaper, (const reap_testing::Schedule& s)) {
  Check("LibraryUnderSubreaper", RunScenario(s, Config(Via::kLibrary)));
}

RC_GTEST_PROP(DetachProperties, LibraryInPidNamespace, (const reap_testing::Schedule& s)) {
  Check("LibraryInPidNamespace", RunInPidNamespace([&] { return RunScenario(s, Config(Via::kLibrary)); }));
}

RC_GTEST_PROP(DetachProperties, CliUnderSubreaper, (const reap_testing::Schedule& s)) {
  Check("CliUnderSubreaper", RunScenario(s, Config(Via::kCli)));
}

RC_GTEST_PROP(DetachProperties, CliInPidNamespace, (const reap_testing::Schedule& s)) {
  Check("CliInPidNamespace", RunInPidNamespace([&] { return RunScenario(s, Config(Via::kCli)); }));
}

RC_GTEST_PROP(DetachProperties, LongRunningParentNeverHoldsZombies, ()) {
  auto n = *rc::gen::inRange(1, 51);
  auto lifetimes =
      *rc::gen::container<std::vector<int>>(static_cast<std::size_t>(n), rc::gen::inRange(0, 50));
  auto via = *rc::gen::element(Via::kLibrary, Via::kCli);
  Check("LongRunningParentNeverHoldsZombies", reap_testing::RunLongRunningParent(lifetimes, Config(via)));
}

// The number of cases each property must have run (RC_PARAMS max_success).
int RequiredCases() {
  const char* params = getenv("RC_PARAMS");
  const char* at = params ? std::strstr(params, "max_success=") : nullptr;
  return at ? std::atoi(at + std::strlen("max_success=")) : 100;
}

}  // namespace

int main(int argc, char** argv) {
  // Default run: 200 schedules per property (RC_PARAMS overrides).
  setenv("RC_PARAMS", "max_success=200", /*overwrite=*/0);
  ::testing::InitGoogleTest(&argc, argv);
  // The test process is the subreaper of the subreaper-mode scenarios.
  if (!reap::BecomeSubreaper().ok()) {
    std::fprintf(stderr, "cannot become a subreaper\n");
    return 1;
  }
  int rc = RUN_ALL_TESTS();
  // A property that ran fewer cases than asked proves nothing.
  const int required = RequiredCases();
  for (const auto& [name, count] : Cases()) {
    std::printf("property %s: %d cases\n", name.c_str(), count);
    if (rc == 0 && count < required) {
      std::fprintf(stderr, "property %s ran %d cases, fewer than %d\n", name.c_str(), count, required);
      rc = 1;
    }
  }
  if (rc == 0 && Cases().empty() && ::testing::UnitTest::GetInstance()->test_to_run_count() > 0) {
    std::fprintf(stderr, "no property ran any case\n");
    rc = 1;
  }
  return rc;
}
