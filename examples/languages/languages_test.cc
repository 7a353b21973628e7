// The README's "Use it from your language" snippets, run as they are shown:
// each starts `sleep 30` through reaper --json and prints "PID TARGET"; the
// test checks that PID is a detached sleep, stops it by TARGET, and reaps
// it (the test is a subreaper). A language whose toolchain is missing here
// is skipped, saying so.
#include <unistd.h>

#include <sstream>

#include "gtest/gtest.h"
#include "reap/observe.h"
#include "reap/proc.h"
#include "testing/world.h"

namespace {

using reap_testing::RunResult;

struct Language {
  const char* name;
  const char* file;   // in examples/languages
  const char* fence;  // the README's code fence
  std::vector<std::string> tool;
  std::vector<std::string> tool_args;  // before the file
};

class LanguagesTest : public ::testing::TestWithParam<Language> {
 protected:
  reap_testing::World world_;
};

TEST_P(LanguagesTest, ReadmeShowsItVerbatim) {
  const Language& l = GetParam();
  std::string code =
      reap_testing::ReadAll(reap_testing::Runfile(std::string("examples/languages/") + l.file));
  ASSERT_FALSE(code.empty()) << l.file;
  std::string readme = reap_testing::ReadAll(reap_testing::Runfile("README.md"));
  EXPECT_NE(readme.find(std::string("```") + l.fence + "\n" + code + "```"), std::string::npos)
      << l.file << " is not quoted verbatim in the README";
}

TEST_P(LanguagesTest, StartsADetachedCommandAndReportsIt) {
  const Language& l = GetParam();
  // The first of the names found in the usual binary directories.
  std::string tool;
  for (const std::string& name : l.tool) {
    auto found = reap::FindOnPath(name, "/usr/local/bin:/usr/bin:/bin");
    if (found.ok()) {
      tool = found.value();
      break;
    }
  }
  if (tool.empty()) GTEST_SKIP() << l.name << ": " << l.tool[0] << " is not installed";
  std::string reaper = reap_testing::Runfile("reaper/reaper");
  std::string home = reap_testing::TempDir();
  std::vector<std::string> argv = {
      "/usr/bin/env",
      "-i",
      "PATH=" + reaper.substr(0, reaper.rfind('/')) + ":/usr/local/bin:/usr/bin:/bin",
      "HOME=" + home,
      "GOCACHE=" + home + "/go-cache",
      "GOPATH=" + home + "/go",
      tool};
  argv.insert(argv.end(), l.tool_args.begin(), l.tool_args.end());
  argv.push_back(reap_testing::Runfile(std::string("examples/languages/") + l.file));
  RunResult r = reap_testing::Run(argv, reap_testing::Millis(120000));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream out(r.out);
  long pid = 0;
  std::string target;
  ASSERT_TRUE(out >> pid >> target) << "stdout: " << r.out;
  EXPECT_EQ(target.rfind(std::to_string(pid) + ":", 0), 0u) << target;
  auto argv_seen = reap::ReadCmdline(static_cast<pid_t>(pid));
  ASSERT_TRUE(argv_seen.ok());
  EXPECT_EQ(argv_seen.value(), (std::vector<std::string>{"sleep", "30"}));
  auto st = reap::ReadProcStat(static_cast<pid_t>(pid));
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->session, pid) << "not in a session of its own";
  RunResult stop = reap_testing::Run({reaper, "stop", target});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_TRUE(world_.AwaitExitAndReap(static_cast<pid_t>(pid)));
  std::printf("%s: ran %s, started pid %ld\n", l.name, tool.c_str(), pid);
}

INSTANTIATE_TEST_SUITE_P(Readme, LanguagesTest,
                         ::testing::Values(Language{"Go", "detach.go", "go", {"go"}, {"run"}},
                                           Language{"Python", "detach.py", "python", {"python3"}, {}},
                                           Language{"Node", "detach.js", "js", {"node", "nodejs"}, {}},
                                           Language{"Shell", "detach.sh", "sh", {"sh"}, {}}),
                         [](const ::testing::TestParamInfo<Language>& info) { return info.param.name; });

}  // namespace
