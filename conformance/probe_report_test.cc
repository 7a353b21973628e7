// The probe's report, written by the real probe and parsed back: its argv
// (hex-encoded) survives any bytes, so argv-literal can be judged from the
// report when the command is gone before its cmdline can be read.
#include "conformance/probe_report.h"

#include <fcntl.h>
#include <unistd.h>

#include "conformance/properties.h"
#include "gtest/gtest.h"
#include "testing/world.h"

namespace reap_conformance {
namespace {

TEST(ProbeReportTest, ArgvSurvivesAnyBytes) {
  auto r = ParseProbeReport(
      "pid=5 ppid=1 pgid=5 sid=5 tty=0 start=9 sigign=0 sigblk=0 fds=0,1,2 argv=4:70,,6120620a,2d2d,");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->argv, (std::vector<std::string>{"p", "", "a b\n", "--"}));
  EXPECT_EQ(r->fds, (std::vector<int>{0, 1, 2}));
  // A count that does not match, or odd hex, is no report.
  EXPECT_FALSE(ParseProbeReport("pid=5 ppid=1 pgid=5 sid=5 tty=0 start=9 sigign=0 sigblk=0 fds= argv=2:70,"));
  EXPECT_FALSE(ParseProbeReport("pid=5 ppid=1 pgid=5 sid=5 tty=0 start=9 sigign=0 sigblk=0 fds= argv=1:7,"));
}

TEST(ProbeReportTest, TheProbeReportsTheArgvItReceived) {
  std::string dir = reap_testing::TempDir();
  std::string report = dir + "/report";
  close(open(report.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  std::string probe = reap_testing::Runfile("conformance/probe/probe");
  std::vector<std::string> argv = {probe, "--report", report, "--linger-ms", "0", "--"};
  std::vector<std::string> tricky = TrickyArguments(dir + "/ran");
  argv.insert(argv.end(), tricky.begin(), tricky.end());
  reap_testing::RunResult run = reap_testing::Run(argv);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto r = ReadProbeReport(report);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->argv, argv);
  EXPECT_EQ(tricky.size(), 10u);
}

}  // namespace
}  // namespace reap_conformance
