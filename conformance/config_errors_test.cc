// A description that cannot run the probe is a configuration error: exit 2,
// one line that says what happened, and no verdict at all.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "testing/world.h"

namespace {

struct Broken {
  std::vector<std::string> args;
  std::string says;  // in the one stderr line
};

class ConfigErrorsTest : public ::testing::TestWithParam<Broken> {};

TEST_P(ConfigErrorsTest, ExitTwoWithOneLineAndNoVerdict) {
  std::vector<std::string> argv = {reap_testing::Runfile("conformance/reaper-conformance")};
  argv.insert(argv.end(), GetParam().args.begin(), GetParam().args.end());
  auto r = reap_testing::Run(argv, reap_testing::Millis(60000));
  ASSERT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(r.out, "");  // no table, no PASS line
  std::string last = r.err.substr(r.err.rfind('\n', r.err.size() - 2) + 1);
  EXPECT_NE(last.find(GetParam().says), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Broken, ConfigErrorsTest,
    ::testing::Values(
        // No {cmd}: setsid -f runs nothing of ours.
        Broken{{"--template", "setsid -f", "--pid", "adopted"}, "the template never names the command"},
        // Runs something, but never the probe.
        Broken{{"--template", "sh -c 'exit 0' {cmd}", "--pid", "adopted"},
               "a plain run: the command never ran (detacher: exit 0)"},
        Broken{{"--template", "setsid -f {cmd} extra", "--pid", "adopted"},
               "a plain run: the command never ran (detacher: exit 0): probe: unknown argument extra"},
        // A server that answers but detaches nothing, and one that dies.
        Broken{{"--mode", "server", "--template", "cat"}, "a plain request: the server replied '[\""},
        Broken{{"--mode", "server", "--template", "false"}, "a plain request: the server died (exit 1)"},
        // Option errors name the option, not a line of a file.
        Broken{{"--template", "sh -c \"x {cmd}"}, "--template: unterminated double quote"},
        Broken{{"--template", "x {cmd}", "--pid", "nowhere"}, "--pid: must be stdout, pidfile or adopted"},
        Broken{{"--template", "x {cmd}", "--unclaimed", "flying"},
               "--unclaimed: unknown property 'flying'"}));

}  // namespace
