// Command::cgroup: the command's process is created inside a cgroup v2
// directory (clone3 CLONE_INTO_CGROUP), and survives a kill of the caller's
// cgroup; every refusal has stage kCgroup and leaves nothing behind.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "conformance/cgroups.h"
#include "gtest/gtest.h"
#include "reap/detach.h"
#include "reap/observe.h"
#include "reap/proc.h"
#include "testing/world.h"

namespace reap {
namespace {

using reap_conformance::CgroupLeaf;

class CgroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    root_ = reap_conformance::FindCgroup2(&why);
    if (root_.empty()) GTEST_SKIP() << why;
    leaf_ = CgroupLeaf::Create(root_, "reap-test", &why);
    if (!leaf_) GTEST_SKIP() << why;
  }
  void TearDown() override { world_.KillAll(); }

 public:
  static Command Probe() {
    Command c;
    c.program = reap_testing::Runfile("conformance/probe/probe");
    c.args = {"--linger-ms", "20000"};
    return c;
  }

  // The cgroup path of PID relative to the cgroup2 root ("0::/x" -> "/x").
  static std::string CgroupOf(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("0::", 0) == 0) return line.substr(3);
    }
    return "";
  }

 protected:
  void ExpectNothingLeft(int fds_before) {
    EXPECT_TRUE(world_.Children().empty());
    EXPECT_EQ(static_cast<int>(ListFds(getpid())->size()), fds_before);
  }

  reap_testing::World world_;
  std::string root_;
  std::unique_ptr<CgroupLeaf> leaf_;
};

// A caller in its own leaf (a service's cgroup) detaches the probe, into
// INTO (empty: its own cgroup), and reports the command's PID; then the
// caller's leaf is killed whole, as systemd stops a service.
struct KilledCaller {
  pid_t command = 0;
  bool command_survived = false;
  std::string command_cgroup;
};

template <typename DetachFn>
KilledCaller DetachThenKillCallersCgroup(const std::string& root, const std::string& into, DetachFn detach) {
  KilledCaller out;
  std::string why;
  auto caller_cg = CgroupLeaf::Create(root, "reap-test-caller", &why);
  EXPECT_TRUE(caller_cg) << why;
  if (!caller_cg) return out;
  int p[2];
  EXPECT_EQ(pipe2(p, O_CLOEXEC), 0);
  pid_t caller = fork();
  if (caller == 0) {
    pid_t pid = -1;
    if (caller_cg->Enter(getpid()).empty()) {
      Command c = CgroupTest::Probe();
      c.cgroup = into;
      auto id = detach(c);
      if (id.ok()) pid = id->pid;
    }
    if (write(p[1], &pid, sizeof pid) != sizeof pid) _exit(1);
    for (;;) pause();
  }
  close(p[1]);
  if (read(p[0], &out.command, sizeof out.command) != sizeof out.command) out.command = -1;
  close(p[0]);
  EXPECT_GT(out.command, 0);
  if (out.command <= 0) return out;
  out.command_cgroup = CgroupTest::CgroupOf(out.command);
  EXPECT_EQ(caller_cg->Kill(), "");
  EXPECT_FALSE(reap_testing::Surviving(caller));
  out.command_survived = reap_testing::Surviving(out.command);
  return out;
}

TEST_F(CgroupTest, CommandStartsInTheCgroupAndSurvivesAKillOfTheCallers) {
  for (auto detach : {&Detach, &DetachAsIntermediate}) {
    KilledCaller k = DetachThenKillCallersCgroup(root_, leaf_->path(), detach);
    EXPECT_EQ(k.command_cgroup, leaf_->path().substr(root_.size()));
    EXPECT_EQ(leaf_->Processes(), std::vector<pid_t>{k.command});
    EXPECT_TRUE(k.command_survived);
    world_.KillAll();
  }
}

// Without Command::cgroup the same kill takes the command along: the test
// above can fail.
TEST_F(CgroupTest, WithoutItTheCommandDiesWithTheCallersCgroup) {
  KilledCaller k = DetachThenKillCallersCgroup(root_, "", &Detach);
  EXPECT_NE(k.command_cgroup.find("reap-test-caller"), std::string::npos) << k.command_cgroup;
  EXPECT_FALSE(k.command_survived);
}

struct Refusal {
  const char* name;
  int err;
  const char* reason;  // in the message
};

class CgroupRefusalTest : public CgroupTest, public ::testing::WithParamInterface<Refusal> {};

TEST_P(CgroupRefusalTest, StageCgroupAndNothingLeft) {
  const Refusal& r = GetParam();
  std::string dir;
  std::unique_ptr<CgroupLeaf> parent, threaded;
  std::string why;
  if (r.err == ENOENT) dir = leaf_->path() + "/missing";
  if (r.err == EBADF) dir = reap_testing::TempDir();  // a plain directory
  if (r.err == EOPNOTSUPP) {
    // leaf/threaded becomes "threaded", which makes leaf "domain threaded"
    // and a sibling of threaded "domain invalid": no process may enter it.
    ASSERT_EQ(mkdir((leaf_->path() + "/t").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((leaf_->path() + "/invalid").c_str(), 0755), 0);
    std::ofstream(leaf_->path() + "/t/cgroup.type") << "threaded";
    dir = leaf_->path() + "/invalid";
    std::string type;
    std::getline(std::ifstream(dir + "/cgroup.type"), type);
    ASSERT_EQ(type, "domain invalid");
  }
  int fds_before = static_cast<int>(ListFds(getpid())->size());
  for (auto detach : {&Detach, &DetachAsIntermediate}) {
    Command c = Probe();
    c.cgroup = dir;
    auto id = detach(c);
    ASSERT_FALSE(id.ok()) << "started pid " << id->pid;
    EXPECT_EQ(id.error().stage, Stage::kCgroup);
    EXPECT_EQ(id.error().err, r.err) << id.error().ToString();
    EXPECT_EQ(id.error().what, dir);
    EXPECT_NE(id.error().ToString().find(r.reason), std::string::npos) << id.error().ToString();
    EXPECT_EQ(id.error().ToString().rfind("cgroup: " + dir + ": ", 0), 0u) << id.error().ToString();
    ExpectNothingLeft(fds_before);
  }
  if (r.err == EOPNOTSUPP) {
    rmdir((leaf_->path() + "/invalid").c_str());
    rmdir((leaf_->path() + "/t").c_str());
  }
  if (r.err == EBADF) rmdir(dir.c_str());
}

INSTANTIATE_TEST_SUITE_P(Refusals, CgroupRefusalTest,
                         ::testing::Values(Refusal{"Missing", ENOENT, "No such file or directory"},
                                           Refusal{"NotACgroup", EBADF, "not a cgroup v2 directory"},
                                           Refusal{"DomainInvalid", EOPNOTSUPP, "cannot take processes"}),
                         [](const ::testing::TestParamInfo<Refusal>& info) { return info.param.name; });

}  // namespace
}  // namespace reap
