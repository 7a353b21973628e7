// The suite must fail every zoo member on the property its flaw breaks, and
// pass the correct baseline. Proves the suite's checks can fail.
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "testing/conformance/description.h"
#include "testing/world.h"

namespace {

struct Member {
  const char* flaw;
  std::vector<const char*> properties;  // each must be reported FAIL (none: baseline)
};

class ZooConformanceTest : public ::testing::TestWithParam<Member> {};

// The verdict line of PROPERTY in the table: "  NAME   STATUS  reason".
std::string VerdictLine(const std::string& out, const std::string& property) {
  std::size_t at = out.find("\n  " + property + " ");
  if (at == std::string::npos) return "";
  ++at;
  return out.substr(at, out.find('\n', at) - at);
}

TEST_P(ZooConformanceTest, SuiteCatchesTheFlaw) {
  const Member& m = GetParam();
  std::string zoo = reap_testing::Runfile("testing/zoo/zoo");
  auto r = reap_testing::Run(
      {reap_testing::Runfile("testing/conformance/reaper-conformance"), "--rounds", "3", "--trials", "5",
       "--name", std::string("zoo ") + m.flaw, "--template", zoo + " --flaw " + m.flaw + " -- {cmd}"},
      reap_testing::Millis(240000));
  ASSERT_FALSE(r.timed_out);
  if (m.properties.empty()) {
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("SKIP"), std::string::npos) << r.out;
    return;
  }
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  for (const char* p : m.properties) {
    std::string line = VerdictLine(r.out, p);
    ASSERT_FALSE(line.empty()) << p << " missing in:\n" << r.out;
    EXPECT_NE(line.find(" FAIL "), std::string::npos) << line;
  }
}

// Every property is failed by at least one member (ZooCoverage checks it),
// so removing any property's check turns this test red.
const std::vector<Member>& Members() {
  static const std::vector<Member> members = {
      {"none", {}},
      {"no-setsid",
       {"new-session", "survives-group-kill", "survives-hangup", "safe-at-return", "random-faults"}},
      {"setpgid-only", {"new-session", "survives-hangup"}},
      {"no-wait", {"no-intermediate"}},
      {"report-intermediate", {"pid-accurate"}},
      {"pid-before-exec", {"exec-failure"}},
      {"bare-unchecked", {"exec-failure"}},
      {"leak-fd", {"no-leaked-fds"}},
      {"leak-high-fd", {"no-leaked-fds"}},
      {"ignore-sigint", {"clean-signals"}},
      {"block-signal", {"clean-signals"}},
      {"via-sh", {"argv-literal"}},
      {"lingering-intermediate", {"no-intermediate"}},
      {"supervisor", {"reparented", "prompt-adoption", "no-intermediate"}},
      {"inherit-stdout", {"stdio-detached"}},
      {"return-early", {"safe-at-return"}},
      {"parent-lingers", {"prompt-adoption", "quick-exit"}},
      {"slow-intermediate", {"quick-exit"}},
  };
  return members;
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooConformanceTest, ::testing::ValuesIn(Members()),
                         [](const ::testing::TestParamInfo<Member>& info) {
                           std::string n = info.param.flaw;
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

// The zoo as a whole fails every property the suite has.
TEST(ZooCoverage, EveryPropertyIsFailedBySomeMember) {
  std::set<std::string> failed;
  for (const Member& m : Members()) failed.insert(m.properties.begin(), m.properties.end());
  for (const std::string& p : reap_conformance::PropertyNames()) {
    EXPECT_TRUE(failed.count(p)) << "no zoo member fails " << p;
  }
}

}  // namespace
