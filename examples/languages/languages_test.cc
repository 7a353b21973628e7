// The README's "Use it from your language" snippets, run as they are shown:
// each starts `sleep 30` through reaper --json and prints "PID TARGET"; the
// test checks that PID is a detached sleep, stops it by TARGET, and reaps
// it (the test is a subreaper). A language whose toolchain is missing here
// is skipped, saying so.
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "reap/observe.h"
#include "reap/proc.h"
#include "testing/world.h"

namespace {

using reap_testing::RunResult;

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The first of NAMES found in the usual binary directories; "" if none.
std::string FindTool(const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    for (const char* dir : {"/usr/local/bin", "/usr/bin", "/bin"}) {
      std::string path = std::string(dir) + "/" + name;
      if (access(path.c_str(), X_OK) == 0) return path;
    }
  }
  return "";
}

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
  std::string code = Slurp(reap_testing::Runfile(std::string("examples/languages/") + l.file));
  ASSERT_FALSE(code.empty()) << l.file;
  std::string readme = Slurp(reap_testing::Runfile("README.md"));
  EXPECT_NE(readme.find(std::string("```") + l.fence + "\n" + code + "```"), std::string::npos)
      << l.file << " is not quoted verbatim in the README";
}

TEST_P(LanguagesTest, StartsADetachedCommandAndReportsIt) {
  const Language& l = GetParam();
  std::string tool = FindTool(l.tool);
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
