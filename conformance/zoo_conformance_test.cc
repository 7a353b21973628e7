// The suite must fail every zoo member on the property its flaw breaks, and
// pass the correct baseline. Proves the suite's checks can fail.
//
// With REAP_CPU_LOAD=N in the environment (zoo_stress_test), N CPU-bound
// processes spin beside every run: the verdicts must not change.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "conformance/description.h"
#include "gtest/gtest.h"
#include "testing/world.h"

namespace {

// Spinners started before the tests and ended, by PID, after them.
class CpuLoad : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* n = std::getenv("REAP_CPU_LOAD");
    for (int i = 0; n != nullptr && i < std::atoi(n); ++i) {
      pid_t pid = fork();
      if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test
        for (volatile unsigned long x = 0;; x = x + 1) {
        }
      }
      if (pid > 0) spinners_.push_back(pid);
    }
    if (!spinners_.empty())
      std::fprintf(stderr, "zoo: %zu CPU-bound processes spin beside the runs\n", spinners_.size());
  }
  void TearDown() override {
    for (pid_t pid : spinners_) kill(pid, SIGKILL);
    for (pid_t pid : spinners_) waitpid(pid, nullptr, 0);
  }

 private:
  std::vector<pid_t> spinners_;
};
const auto* const kLoad = ::testing::AddGlobalTestEnvironment(new CpuLoad);

struct Member {
  const char* flaw;
  bool server;
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
  std::vector<std::string> argv = {reap_testing::Runfile("conformance/reaper-conformance"),
                                   "--rounds",
                                   "3",
                                   "--trials",
                                   "5",
                                   "--name",
                                   std::string("zoo ") + m.flaw};
  // {cgroup}: the leaf the suite offers to escape into (survives-cgroup-kill).
  if (m.server) {
    argv.insert(argv.end(), {"--mode", "server", "--template",
                             zoo + " --server --flaw " + m.flaw + " --cgroup {cgroup}"});
  } else {
    argv.insert(argv.end(), {"--template", zoo + " --flaw " + m.flaw + " --cgroup {cgroup} -- {cmd}"});
  }
  auto r = reap_testing::Run(argv, reap_testing::Millis(240000));
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
      {"none", false, {}},
      {"no-setsid",
       false,
       {"new-session", "survives-group-kill", "survives-hangup", "safe-at-return", "random-faults"}},
      {"setpgid-only", false, {"new-session", "survives-hangup"}},
      {"no-wait", false, {"no-intermediate"}},
      {"report-intermediate", false, {"pid-accurate"}},
      {"pid-before-exec", false, {"exec-failure"}},
      {"bare-unchecked", false, {"exec-failure"}},
      {"leak-fd", false, {"no-leaked-fds"}},
      {"leak-high-fd", false, {"no-leaked-fds"}},
      {"ignore-sigint", false, {"clean-signals"}},
      {"block-signal", false, {"clean-signals"}},
      {"via-sh", false, {"argv-literal"}},
      {"lingering-intermediate", false, {"no-intermediate"}},
      {"supervisor", false, {"reparented", "prompt-adoption", "no-intermediate"}},
      {"inherit-stdout", false, {"stdio-detached"}},
      {"return-early", false, {"safe-at-return"}},
      {"parent-lingers", false, {"prompt-adoption", "quick-exit"}},
      {"slow-intermediate", false, {"quick-exit"}},
      {"no-cgroup-escape", false, {"survives-cgroup-kill"}},
      // Servers (--mode server).
      {"none", true, {}},
      {"never-reap", true, {"no-zombies", "reparented"}},
      {"children-stay", true, {"reparented"}},
      {"pid-for-failed-exec", true, {"exec-failure"}},
      {"no-setsid", true, {"new-session", "survives-group-kill", "random-faults"}},
      {"report-intermediate", true, {"pid-accurate"}},
      {"leak-fd", true, {"no-leaked-fds"}},
      {"ignore-sigint", true, {"clean-signals"}},
      {"via-sh", true, {"argv-literal"}},
      {"inherit-stdout", true, {"stdio-detached"}},
      {"no-cgroup-escape", true, {"survives-cgroup-kill"}},
  };
  return members;
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooConformanceTest, ::testing::ValuesIn(Members()),
                         [](const ::testing::TestParamInfo<Member>& info) {
                           std::string n = std::string(info.param.server ? "server_" : "") + info.param.flaw;
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

// The zoo as a whole fails every property of each mode.
TEST(ZooCoverage, EveryPropertyIsFailedBySomeMember) {
  for (bool server : {false, true}) {
    std::set<std::string> failed;
    for (const Member& m : Members()) {
      if (m.server == server) failed.insert(m.properties.begin(), m.properties.end());
    }
    auto mode = server ? reap_conformance::Mode::kServer : reap_conformance::Mode::kCli;
    for (const std::string& p : reap_conformance::PropertyNames(mode)) {
      EXPECT_TRUE(failed.count(p)) << "no " << (server ? "server" : "cli") << " zoo member fails " << p;
    }
  }
}

}  // namespace
