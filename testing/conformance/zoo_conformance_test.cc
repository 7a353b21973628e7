// The suite must fail every zoo member on the property its flaw breaks, and
// pass the correct baseline. Proves the suite's checks can fail.
#include <string>

#include "gtest/gtest.h"
#include "testing/world.h"

namespace {

struct Member {
  const char* flaw;
  const char* property;  // must be reported FAIL ("" for the baseline)
};

class ZooConformanceTest : public ::testing::TestWithParam<Member> {};

TEST_P(ZooConformanceTest, SuiteCatchesTheFlaw) {
  const Member& m = GetParam();
  std::string zoo = reap_testing::Runfile("testing/zoo/zoo");
  auto r = reap_testing::Run({reap_testing::Runfile("testing/conformance/reaper-conformance"), "--rounds", "3",
                              "--name", std::string("zoo ") + m.flaw, "--template",
                              zoo + " --flaw " + m.flaw + " -- {cmd}"},
                             reap_testing::Millis(120000));
  ASSERT_FALSE(r.timed_out);
  if (std::string(m.property).empty()) {
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
    return;
  }
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  // The table line for the property: "  NAME   FAIL  reason".
  std::size_t at = r.out.find("  " + std::string(m.property) + " ");
  ASSERT_NE(at, std::string::npos) << r.out;
  std::string line = r.out.substr(at, r.out.find('\n', at) - at);
  EXPECT_NE(line.find(" FAIL "), std::string::npos) << line;
}

INSTANTIATE_TEST_SUITE_P(
    Zoo, ZooConformanceTest,
    ::testing::Values(Member{"none", ""}, Member{"no-setsid", "new-session"},
                      Member{"no-wait", "no-intermediate"}, Member{"report-intermediate", "pid-accurate"},
                      Member{"pid-before-exec", "exec-failure"}, Member{"leak-fd", "no-leaked-fds"},
                      Member{"ignore-sigint", "clean-signals"}, Member{"block-signal", "clean-signals"},
                      Member{"via-sh", "argv-literal"}, Member{"lingering-intermediate", "no-intermediate"},
                      Member{"inherit-stdout", "stdio-detached"}),
    [](const ::testing::TestParamInfo<Member>& info) {
      std::string n = info.param.flaw;
      for (char& c : n) if (c == '-') c = '_';
      return n;
    });

}  // namespace
