// Behaviour tests of reap::Detach, one group per numbered requirement. The
// test process is a subreaper (World), so it adopts every detached command.
#include "reap/detach.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "reap/identity.h"
#include "reap/observe.h"
#include "reap/proc.h"
#include "testing/world.h"

extern char** environ;

namespace reap {
namespace {

using reap_testing::Millis;
using reap_testing::PollUntil;

class DetachTest : public ::testing::Test {
 protected:
  void TearDown() override {
    world_.KillAll();
    for (int fd : extra_fds_) close(fd);
  }

  static Command Probe(std::vector<std::string> args = {}) {
    Command c;
    c.program = reap_testing::Runfile("conformance/probe/probe");
    c.args = std::move(args);
    if (c.args.empty()) c.args = {"--linger-ms", "20000"};
    return c;
  }

  // Detach must leave no child of ours but the command (no zombie
  // intermediate), or none at all after a failure.
  void ExpectOnlyChildren(const std::set<pid_t>& expected) {
    auto kids = world_.Children();
    EXPECT_EQ(std::set<pid_t>(kids.begin(), kids.end()), expected);
  }

  std::string Readlink(const std::string& path) {
    char buf[4096];
    ssize_t n = readlink(path.c_str(), buf, sizeof buf);
    return n < 0 ? std::string() : std::string(buf, static_cast<std::size_t>(n));
  }

  // Detach returns at the exec's point of no return; the kernel lays out the
  // new argv/environ just after. Wait (bounded) for that before reading them.
  static void AwaitExecDone(pid_t pid) {
    PollUntil([&] {
      auto argv = ReadCmdline(pid);
      return argv.ok() && !argv->empty();
    });
  }

  std::vector<std::string> Environ(pid_t pid) {
    AwaitExecDone(pid);
    std::ifstream f("/proc/" + std::to_string(pid) + "/environ");
    std::stringstream ss;
    ss << f.rdbuf();
    std::vector<std::string> out;
    std::string item;
    std::istringstream in(ss.str());
    while (std::getline(in, item, '\0')) out.push_back(item);
    std::sort(out.begin(), out.end());
    return out;
  }

  reap_testing::World world_;
  std::vector<int> extra_fds_;
};

// 1. New session, own process group, no controlling terminal.
TEST_F(DetachTest, RunsInNewSessionWithoutTerminal) {
  auto id = Detach(Probe());
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  auto st = ReadProcStat(id->pid);
  ASSERT_TRUE(st.ok());
  EXPECT_NE(st->session, getsid(0));
  EXPECT_NE(st->pgrp, getpgrp());
  EXPECT_EQ(st->session, id->pid) << "the command leads its session";
  EXPECT_EQ(st->pgrp, id->pid);
  EXPECT_EQ(st->tty_nr, 0);
  EXPECT_EQ(id->sid, id->pid);
  EXPECT_EQ(id->pgid, id->pid);
}

// 2. Not the caller's child: the intermediate is reaped before Detach
// returns and the command is adopted by the nearest subreaper (us).
TEST_F(DetachTest, CommandIsAdoptedAndIntermediateReaped) {
  auto id = Detach(Probe());
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  auto st = ReadProcStat(id->pid);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->ppid, getpid());
  ExpectOnlyChildren({id->pid});
  EXPECT_TRUE(world_.ZombieChildren().empty());
}

TEST_F(DetachTest, ExitedCommandIsReapedByItsAdopter) {
  auto id = Detach(Probe({"--linger-ms", "0", "--exit", "3"}));
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  int status = 0;
  ASSERT_TRUE(world_.AwaitExitAndReap(id->pid, Millis(5000), &status));
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
  ExpectOnlyChildren({});
}

// The children's stacks are mapped once per thread, not once per call.
TEST_F(DetachTest, RepeatedDetachesReuseOneMapping) {
  auto mappings = [] {
    std::ifstream f("/proc/self/maps");
    return std::count(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>(), '\n');
  };
  Command c = Probe({"--linger-ms", "0"});
  ASSERT_TRUE(Detach(c).ok());  // maps this thread's stacks
  auto before = mappings();
  for (int i = 0; i < 20; ++i) {
    auto id = Detach(c);
    ASSERT_TRUE(id.ok()) << id.error().ToString();
  }
  EXPECT_EQ(mappings(), before);
}

// DetachAsIntermediate: the caller itself is the intermediate. The command
// is its child, in its own session, until the caller exits; then the
// nearest subreaper adopts it.
TEST_F(DetachTest, AsIntermediateCommandIsTheCallersChildInItsOwnSession) {
  auto id = DetachAsIntermediate(Probe());
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  auto st = ReadProcStat(id->pid);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->ppid, getpid());
  EXPECT_EQ(st->session, id->pid);
  EXPECT_EQ(st->pgrp, id->pid);
  EXPECT_EQ(st->tty_nr, 0);
  EXPECT_EQ(st->start_time, id->start_time);
  EXPECT_EQ(id->sid, id->pid);
  ExpectOnlyChildren({id->pid});
  auto status = ReadProcStatus(id->pid);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->sig_blk, 0u);
}

TEST_F(DetachTest, AsIntermediateCommandIsAdoptedWhenTheCallerExits) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  pid_t caller = fork();
  ASSERT_GE(caller, 0);
  if (caller == 0) {
    // This caller is no subreaper: the command is its child only because
    // it is the intermediate. Exit code 2 says it was not.
    auto id = DetachAsIntermediate(Probe());
    pid_t pid = id.ok() ? id->pid : -1;
    ssize_t w = write(p[1], &pid, sizeof pid);
    auto st = id.ok() ? ReadProcStat(pid) : Result<ProcStat>(Error{});
    if (!st.ok() || st->ppid != getpid()) _exit(2);
    _exit(id.ok() && w == sizeof pid ? 0 : 1);
  }
  close(p[1]);
  pid_t pid = 0;
  ssize_t n = read(p[0], &pid, sizeof pid);
  close(p[0]);
  int status = 0;
  ASSERT_TRUE(world_.AwaitExitAndReap(caller, Millis(5000), &status));
  ASSERT_EQ(n, static_cast<ssize_t>(sizeof pid));
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "exit code 2: the command was not the caller's child before the caller exited";
  EXPECT_TRUE(PollUntil([&] {
    auto st = ReadProcStat(pid);
    return st.ok() && st->ppid == getpid();
  })) << "adopted by the subreaper once its caller exited";
  ExpectOnlyChildren({pid});
}

// 3. Exec is confirmed; failures carry stage + errno and leave nothing.
struct FailureCase {
  const char* name;
  std::function<void(Command*, const std::string& dir)> setup;
  Stage stage;
  int err;
};

void PrintTo(const FailureCase& fc, std::ostream* os) { *os << fc.name; }

using DetachFn = Result<Identity> (*)(const Command&);

class DetachFailureTest : public DetachTest, public ::testing::WithParamInterface<FailureCase> {
 protected:
  void ExpectFailureLeavesNothing(DetachFn detach) {
    const FailureCase& fc = GetParam();
    std::string dir = reap_testing::TempDir();
    Command c = Probe();
    fc.setup(&c, dir);
    int fds_before = static_cast<int>(ListFds(getpid())->size());
    auto id = detach(c);
    ASSERT_FALSE(id.ok()) << fc.name << ": unexpectedly started pid " << id->pid;
    EXPECT_EQ(id.error().stage, fc.stage) << id.error().ToString();
    EXPECT_EQ(id.error().err, fc.err) << id.error().ToString();
    EXPECT_FALSE(id.error().ToString().empty());
    ExpectOnlyChildren({});
    EXPECT_EQ(static_cast<int>(ListFds(getpid())->size()), fds_before);
  }
};

TEST_P(DetachFailureTest, ReportsStageAndErrnoAndLeavesNothing) { ExpectFailureLeavesNothing(&Detach); }

// The caller as intermediate: same errors, and the failed command's process
// (the caller's own child this time) is reaped before the error returns.
TEST_P(DetachFailureTest, AsIntermediateReportsTheSameAndLeavesNothing) {
  ExpectFailureLeavesNothing(&DetachAsIntermediate);
}

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  chmod(path.c_str(), mode);
}

INSTANTIATE_TEST_SUITE_P(
    Failures, DetachFailureTest,
    ::testing::Values(
        FailureCase{"Nonexistent", [](Command* c, const std::string&) { c->program = "/nonexistent/prog"; },
                    Stage::kExec, ENOENT},
        FailureCase{"NotInPath", [](Command* c, const std::string&) { c->program = "reap-no-such-program"; },
                    Stage::kResolve, ENOENT},
        FailureCase{"Directory", [](Command* c, const std::string& d) { c->program = d; }, Stage::kExec,
                    EACCES},
        FailureCase{"NotExecutable",
                    [](Command* c, const std::string& d) {
                      WriteFile(d + "/plain", "#!/bin/sh\n", 0644);
                      c->program = d + "/plain";
                    },
                    Stage::kExec, EACCES},
        FailureCase{"NoExecFormat",
                    [](Command* c, const std::string& d) {
                      WriteFile(d + "/garbage", "\x01\x02\x03 not a program\n", 0755);
                      c->program = d + "/garbage";
                    },
                    Stage::kExec, ENOEXEC},
        FailureCase{"EmptyProgram", [](Command* c, const std::string&) { c->program.clear(); },
                    Stage::kValidate, EINVAL},
        FailureCase{"NulInArgument",
                    [](Command* c, const std::string&) { c->args.push_back(std::string("a\0b", 3)); },
                    Stage::kValidate, EINVAL},
        FailureCase{"MissingCwd", [](Command* c, const std::string& d) { c->cwd = d + "/missing"; },
                    Stage::kChdir, ENOENT},
        FailureCase{"StdoutInMissingDir",
                    [](Command* c, const std::string& d) { c->stdio[1] = Stdio::File(d + "/no/out.log"); },
                    Stage::kStdout, ENOENT},
        FailureCase{"StdinMissing",
                    [](Command* c, const std::string& d) { c->stdio[0] = Stdio::File(d + "/absent"); },
                    Stage::kStdin, ENOENT},
        FailureCase{"InvalidUmask", [](Command* c, const std::string&) { c->umask = 01000; },
                    Stage::kValidate, EINVAL},
        FailureCase{"KeepFdClosed", [](Command* c, const std::string&) { c->keep_fds = {987}; },
                    Stage::kKeepFd, EBADF},
        FailureCase{"KeepFdStandardStream", [](Command* c, const std::string&) { c->keep_fds = {1}; },
                    Stage::kValidate, EINVAL},
        FailureCase{"ArgumentTooLong",
                    [](Command* c, const std::string&) { c->args.push_back(std::string(300 * 1024, 'x')); },
                    Stage::kExec, E2BIG},
        FailureCase{"BadEnvName", [](Command* c, const std::string&) { c->set_env.emplace_back("A=B", "x"); },
                    Stage::kValidate, EINVAL}),
    [](const ::testing::TestParamInfo<FailureCase>& info) { return info.param.name; });

// 4. The PID is the command's own, with its start time.
TEST_F(DetachTest, ReportsTheCommandsOwnPidAndStartTime) {
  Command c;
  c.program = "sleep";  // found through PATH: never a shell in between
  c.args = {"20"};
  auto id = Detach(c);
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  AwaitExecDone(id->pid);
  auto argv = ReadCmdline(id->pid);
  ASSERT_TRUE(argv.ok());
  EXPECT_EQ(argv.value(), (std::vector<std::string>{"sleep", "20"}));
  auto st = ReadProcStat(id->pid);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->start_time, id->start_time);
  EXPECT_NE(id->start_time, 0u);
  EXPECT_TRUE(IsSameProcess(id.value()));
  EXPECT_TRUE(IsRunning(id.value()));
  Identity other = id.value();
  other.start_time += 1;
  EXPECT_FALSE(IsSameProcess(other)) << "a different start time is another process";
}

TEST_F(DetachTest, IdentityOfAnInstantlyExitingCommandIsStillExact) {
  auto id = Detach(Probe({"--linger-ms", "0"}));
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  EXPECT_NE(id->start_time, 0u);
  int status = 0;
  ASSERT_TRUE(world_.AwaitExitAndReap(id->pid, Millis(5000), &status));
  EXPECT_FALSE(IsSameProcess(id.value()));
}

// The start time is usually known from CLOCK_BOOTTIME read just before and
// just after the clone, and from /proc/self/stat when the two readings fall
// in different clock ticks. Starting each detach just before a tick boundary
// makes both cases frequent; the reported start time must always be the
// kernel's.
TEST_F(DetachTest, StartTimeIsExactNextToClockTickBoundaries) {
  const long hz = sysconf(_SC_CLK_TCK);
  ASSERT_GT(hz, 0);
  const std::int64_t tick_ns = 1000000000 / hz;
  auto boot_ns = [] {
    timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return std::int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
  };
  Command c;
  c.program = "/bin/sleep";
  c.args = {"10"};
  int checked = 0;
  for (int i = 0; i < 150; ++i) {
    // Spin (at most one tick) until a boundary is 0-300 us away; the offset
    // varies so that some calls straddle it and some do not.
    const std::int64_t lead_ns = 2000 * (i % 150);
    while ((tick_ns - boot_ns() % tick_ns) > lead_ns + 1000) {
    }
    auto id = Detach(c);
    ASSERT_TRUE(id.ok()) << id.error().ToString();
    auto st = ReadProcStat(id->pid);
    ASSERT_TRUE(st.ok()) << st.error().ToString();
    EXPECT_EQ(st->start_time, id->start_time) << "call " << i;
    ASSERT_EQ(kill(id->pid, SIGKILL), 0);
    ASSERT_TRUE(world_.AwaitExitAndReap(id->pid));
    ++checked;
  }
  EXPECT_EQ(checked, 150);
}

// 5. Clean start: default dispositions, empty mask, only 0/1/2 + keep_fds.
TEST_F(DetachTest, SignalsAreResetEvenWhenCallerIgnoresAndBlocks) {
  struct sigaction ign {
  }, old_int{}, old_quit{}, old_hup{}, old_pipe{};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGINT, &ign, &old_int);
  sigaction(SIGQUIT, &ign, &old_quit);
  sigaction(SIGHUP, &ign, &old_hup);
  sigaction(SIGPIPE, &ign, &old_pipe);
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGUSR1);
  sigaddset(&block, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &block, &old_mask);

  auto id = Detach(Probe());

  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGQUIT, &old_quit, nullptr);
  sigaction(SIGHUP, &old_hup, nullptr);
  sigaction(SIGPIPE, &old_pipe, nullptr);

  ASSERT_TRUE(id.ok()) << id.error().ToString();
  auto st = ReadProcStatus(id->pid);
  ASSERT_TRUE(st.ok());
  // Ignored dispositions and the mask survive exec, so they are Detach's
  // doing; caught ones cannot (exec resets them), so they are not checked.
  EXPECT_EQ(st->sig_ign, 0u);
  EXPECT_EQ(st->sig_blk, 0u);
  // And the caller's own state is back as it was.
  auto mine = ReadProcStatus(getpid());
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->sig_blk & (1ull << (SIGTERM - 1)), 0u);
}

TEST_F(DetachTest, OnlyStdioAndKeptFdsReachTheCommand) {
  for (int i = 0; i < 50; ++i) {
    int fd = open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
    ASSERT_GE(fd, 0);
    extra_fds_.push_back(fd);
  }
  int kept = extra_fds_[17];
  int kept_cloexec = open("/dev/null", O_RDONLY | O_CLOEXEC);
  extra_fds_.push_back(kept_cloexec);
  std::string report = reap_testing::TempDir() + "/report";
  close(open(report.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  Command c = Probe({"--report", report, "--linger-ms", "20000"});
  c.keep_fds = {kept, kept_cloexec};
  auto id = Detach(c);
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  ASSERT_TRUE(PollUntil([&] {  // the probe reached main
    std::ifstream f(report);
    std::string line;
    return static_cast<bool>(std::getline(f, line));
  }));
  auto fds = ListFds(id->pid);
  ASSERT_TRUE(fds.ok());
  std::vector<int> expected = {0, 1, 2, std::min(kept, kept_cloexec), std::max(kept, kept_cloexec)};
  EXPECT_EQ(fds.value(), expected);
  EXPECT_EQ(Readlink("/proc/" + std::to_string(id->pid) + "/fd/" + std::to_string(kept)), "/dev/null");
}

TEST_F(DetachTest, StdioDefaultsToDevNull) {
  auto id = Detach(Probe());
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  for (int fd = 0; fd < 3; ++fd) {
    EXPECT_EQ(Readlink("/proc/" + std::to_string(id->pid) + "/fd/" + std::to_string(fd)), "/dev/null");
  }
}

TEST_F(DetachTest, StdioFilesTruncateOrAppendWithUmaskedMode) {
  std::string dir = reap_testing::TempDir();
  WriteFile(dir + "/out", "old contents\n", 0600);
  WriteFile(dir + "/err", "kept\n", 0600);
  WriteFile(dir + "/in", "input\n", 0600);
  Command c;
  c.program = "/bin/sh";
  c.args = {"-c", "cat; echo to-out; echo to-err >&2; : > fresh"};
  c.cwd = dir;
  c.umask = 027;
  c.stdio[0] = Stdio::File(dir + "/in");
  c.stdio[1] = Stdio::File(dir + "/out");
  c.stdio[2] = Stdio::File(dir + "/err", /*append=*/true);
  auto id = Detach(c);
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  ASSERT_TRUE(world_.AwaitExitAndReap(id->pid));
  auto slurp = [](const std::string& p) {
    std::ifstream f(p);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  EXPECT_EQ(slurp(dir + "/out"), "input\nto-out\n");
  EXPECT_EQ(slurp(dir + "/err"), "kept\nto-err\n");
  struct stat st;
  ASSERT_EQ(stat((dir + "/fresh").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u) << "created 0666 & ~umask";
  // A new stdout file gets 0666 & ~umask too.
  Command d = Probe({"--linger-ms", "0"});
  d.umask = 077;
  d.stdio[1] = Stdio::File(dir + "/new.log");
  auto id2 = Detach(d);
  ASSERT_TRUE(id2.ok()) << id2.error().ToString();
  ASSERT_EQ(stat((dir + "/new.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(DetachTest, InheritedStdioIsTheCallers) {
  std::string dir = reap_testing::TempDir();
  int saved = dup(1);
  int fd = open((dir + "/inherited").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  dup3(fd, 1, O_CLOEXEC);  // even close-on-exec in the caller
  Command c = Probe();
  c.stdio[1] = Stdio::Inherit();
  auto id = Detach(c);
  dup2(saved, 1);
  close(saved);
  close(fd);
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  EXPECT_EQ(Readlink("/proc/" + std::to_string(id->pid) + "/fd/1"), dir + "/inherited");
  EXPECT_EQ(Readlink("/proc/" + std::to_string(id->pid) + "/fd/0"), "/dev/null");
}

// 6. Environment, cwd, umask.
TEST_F(DetachTest, EnvironmentInheritSetUnsetClear) {
  setenv("REAP_TEST_INHERITED", "yes", 1);
  setenv("REAP_TEST_UNSET_ME", "no", 1);
  Command c = Probe();
  c.unset_env = {"REAP_TEST_UNSET_ME"};
  c.set_env = {{"REAP_TEST_SET", "a b=c"}, {"REAP_TEST_INHERITED", "replaced"}};
  auto id = Detach(c);
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  auto env = Environ(id->pid);
  auto has = [&](const std::string& e) { return std::count(env.begin(), env.end(), e) == 1; };
  EXPECT_TRUE(has("REAP_TEST_SET=a b=c"));
  EXPECT_TRUE(has("REAP_TEST_INHERITED=replaced"));
  EXPECT_FALSE(has("REAP_TEST_INHERITED=yes"));
  for (const auto& e : env) EXPECT_NE(e.rfind("REAP_TEST_UNSET_ME=", 0), 0u) << e;

  Command clear = Probe();
  clear.clear_env = true;
  clear.set_env = {{"ONLY", "1"}};
  auto id2 = Detach(clear);
  ASSERT_TRUE(id2.ok()) << id2.error().ToString();
  EXPECT_EQ(Environ(id2->pid), (std::vector<std::string>{"ONLY=1"}));
  unsetenv("REAP_TEST_INHERITED");
  unsetenv("REAP_TEST_UNSET_ME");
}

TEST_F(DetachTest, PathLookupUsesTheCommandsPath) {
  std::string dir = reap_testing::TempDir();
  ASSERT_EQ(symlink(reap_testing::Runfile("conformance/probe/probe").c_str(), (dir + "/my-probe").c_str()),
            0);
  Command c;
  c.program = "my-probe";
  c.args = {"--linger-ms", "20000"};
  c.set_env = {{"PATH", "/nonexistent:" + dir}};
  auto id = Detach(c);
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  AwaitExecDone(id->pid);
  EXPECT_EQ(ReadCmdline(id->pid).value().at(0), "my-probe");
}

// An environment with PATH twice: the first counts, as for getenv and
// execvp (the command sees both; its own lookups use the first too).
TEST_F(DetachTest, PathLookupUsesTheFirstOfTwoPaths) {
  std::string dir = reap_testing::TempDir();
  ASSERT_EQ(symlink(reap_testing::Runfile("conformance/probe/probe").c_str(), (dir + "/my-probe").c_str()),
            0);
  std::string first = "PATH=" + dir, second = "PATH=/nonexistent";
  char* twice[] = {first.data(), second.data(), nullptr};
  char** saved = environ;
  environ = twice;
  Command c;
  c.program = "my-probe";
  c.args = {"--linger-ms", "20000"};
  auto id = Detach(c);
  environ = saved;
  ASSERT_TRUE(id.ok()) << id.error().ToString();
}

TEST_F(DetachTest, CwdAndUmask) {
  std::string dir = reap_testing::TempDir();
  Command c = Probe();
  c.cwd = dir;
  c.umask = 0027;
  auto id = Detach(c);
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  EXPECT_EQ(Readlink("/proc/" + std::to_string(id->pid) + "/cwd"), dir);
  std::ifstream f("/proc/" + std::to_string(id->pid) + "/status");
  std::string line, umask_line;
  while (std::getline(f, line)) {
    if (line.rfind("Umask:", 0) == 0) umask_line = line;
  }
  EXPECT_EQ(umask_line, "Umask:\t0027");
}

// 8. Thread safety: concurrent detaches, no fd of one call in another's
// command, every identity exact, no zombie intermediate.
TEST_F(DetachTest, ConcurrentDetachesFromManyThreads) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 12;
  // Each probe appends a line once it reached main: only then is its fd
  // table its own (a sanitizer runtime opens files while starting up).
  std::string report = reap_testing::TempDir() + "/report";
  close(open(report.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  std::vector<std::vector<Identity>> ids(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Open (and keep) an inheritable fd while others detach.
        int fd = open("/dev/null", O_RDONLY);
        auto id = Detach(Probe({"--report", report, "--linger-ms", "20000"}));
        if (fd >= 0) close(fd);
        if (!id.ok()) {
          failures++;
          continue;
        }
        ids[t].push_back(id.value());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(PollUntil(
      [&] {
        std::ifstream f(report);
        std::string line;
        int lines = 0;
        while (std::getline(f, line)) ++lines;
        return lines == kThreads * kPerThread - failures.load();
      },
      Millis(20000)));
  std::set<pid_t> pids;
  for (const auto& v : ids) {
    for (const Identity& id : v) {
      pids.insert(id.pid);
      EXPECT_TRUE(IsSameProcess(id));
      auto fds = ListFds(id.pid);
      ASSERT_TRUE(fds.ok());
      EXPECT_EQ(fds.value(), (std::vector<int>{0, 1, 2})) << "pid " << id.pid;
      EXPECT_EQ(ReadProcStat(id.pid)->ppid, getpid());
    }
  }
  EXPECT_EQ(pids.size(), static_cast<std::size_t>(kThreads * kPerThread));
  ExpectOnlyChildren(pids);
}

// The caller's SIGCHLD handling does not matter: SIG_IGN does not auto-reap
// the intermediate out from under us, and a waitpid(-1) elsewhere cannot
// steal it.
TEST_F(DetachTest, WorksWhenCallerIgnoresSigchld) {
  struct sigaction ign {
  }, old{};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGCHLD, &ign, &old);
  auto id = Detach(Probe());
  auto bad = Detach(Probe({"--no-such-flag"}));  // exits 64 at once
  sigaction(SIGCHLD, &old, nullptr);
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  ASSERT_TRUE(bad.ok()) << bad.error().ToString();
  world_.AwaitExitAndReap(bad->pid);
  ExpectOnlyChildren({id->pid});
}

// Opening a terminal as the command's stdio must not make it the controlling
// terminal of the command's new session (it would die of SIGHUP on hangup).
TEST_F(DetachTest, TerminalAsStdioDoesNotBecomeControllingTerminal) {
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(master, 0) << std::strerror(errno);
  extra_fds_.push_back(master);
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  std::string slave = ptsname(master);
  Command c = Probe();
  c.stdio[0] = Stdio::File(slave);
  c.stdio[1] = Stdio::File(slave);
  auto id = Detach(c);
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  AwaitExecDone(id->pid);
  auto st = ReadProcStat(id->pid);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->tty_nr, 0) << "the command acquired " << slave << " as its controlling terminal";
  EXPECT_EQ(Readlink("/proc/" + std::to_string(id->pid) + "/fd/0"), slave);
}

// A cancellation request pending when Detach is called acts after it
// returns, never inside it (where it would leave a zombie intermediate).
TEST_F(DetachTest, PendingCancellationLeavesNoZombieIntermediate) {
  static std::atomic<pid_t> started{0};
  started = 0;
  pthread_t thread;
  ASSERT_EQ(pthread_create(
                &thread, nullptr,
                [](void*) -> void* {
                  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, nullptr);
                  pthread_cancel(pthread_self());
                  pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, nullptr);
                  auto id = Detach(Probe());
                  started = id.ok() ? id->pid : -1;
                  pthread_testcancel();
                  return nullptr;
                },
                nullptr),
            0);
  void* ret = nullptr;
  ASSERT_EQ(pthread_join(thread, &ret), 0);
  EXPECT_EQ(ret, PTHREAD_CANCELED);
  ASSERT_GT(started.load(), 0) << "Detach was cancelled half-way";
  ExpectOnlyChildren({started.load()});
}

// A caller that has used up its descriptors can still detach with stdio on
// /dev/null: the command closes the inherited fds before it opens its own.
TEST_F(DetachTest, CallerAtItsFdLimitCanDetach) {
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
  rlimit low = old;
  low.rlim_cur = 64;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> filler;
  for (;;) {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) break;
    filler.push_back(fd);
  }
  auto id = Detach(Probe());
  for (int fd : filler) close(fd);
  setrlimit(RLIMIT_NOFILE, &old);
  ASSERT_FALSE(filler.empty());
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  ExpectOnlyChildren({id->pid});
}

// PID 1 of a new PID namespace whose /proc is still the parent's (unshare -p
// without a new /proc): the identity holds no number of the other namespace.
TEST_F(DetachTest, IdentityUnderAProcOfAnotherPidNamespace) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  long child = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, nullptr, nullptr, nullptr, 0);
  ASSERT_GE(child, 0) << std::strerror(errno);
  if (child == 0) {
    auto id = Detach(Probe());
    long v[6] = {id.ok(),
                 id.ok() ? id->pid : 0,
                 id.ok() ? id->pgid : 0,
                 id.ok() ? id->sid : 0,
                 id.ok() ? static_cast<long>(id->start_time) : -1,
                 id.ok() && IsRunning(id.value())};
    ssize_t w = write(p[1], v, sizeof v);
    (void)w;
    if (id.ok()) {
      kill(id->pid, SIGKILL);
      waitpid(id->pid, nullptr, 0);
    }
    _exit(0);
  }
  close(p[1]);
  long v[6] = {};
  ssize_t n = read(p[0], v, sizeof v);
  close(p[0]);
  EXPECT_TRUE(world_.AwaitExitAndReap(static_cast<pid_t>(child), Millis(10000)));
  ASSERT_EQ(n, static_cast<ssize_t>(sizeof v));
  ASSERT_EQ(v[0], 1);
  EXPECT_EQ(v[2], v[1]) << "pgid from the other namespace";
  EXPECT_EQ(v[3], v[1]) << "sid from the other namespace";
  EXPECT_EQ(v[4], 0) << "a start time that /proc/PID cannot confirm here";
  EXPECT_EQ(v[5], 1) << "IsRunning of a live command";
}

// DetachAsIntermediate on a thread with a small stack (32 KiB; the command's
// stack does not fit in its frame): it uses a mapping instead of crashing.
TEST_F(DetachTest, AsIntermediateOnASmallThreadStack) {
  static std::atomic<pid_t> started{0};
  started = 0;
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, 32 * 1024), 0);
  pthread_t thread;
  ASSERT_EQ(pthread_create(
                &thread, &attr,
                [](void*) -> void* {
                  auto id = DetachAsIntermediate(Probe());
                  started = id.ok() ? id->pid : -1;
                  return nullptr;
                },
                nullptr),
            0);
  pthread_attr_destroy(&attr);
  ASSERT_EQ(pthread_join(thread, nullptr), 0);
  ASSERT_GT(started.load(), 0);
  ExpectOnlyChildren({started.load()});
}

// Without close_range (ENOSYS, as before Linux 5.9) and without /proc, an
// fd above the soft RLIMIT_NOFILE (opened before the limit was lowered) is
// still closed in the command. Run in a child: seccomp filter, a mount
// namespace without /proc, a lowered limit.
TEST_F(DetachTest, FdAboveTheSoftLimitIsClosedWithoutCloseRangeAndProc) {
  std::string bash = "/bin/bash";
  if (access(bash.c_str(), X_OK) != 0) GTEST_SKIP() << "no bash (needed for fd 5000 redirection)";
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Exit codes: 10 fd 5000 reached the command, 11 closed, 2x setup failed
    // (24: /proc is still visible).
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) _exit(20);
    if (unshare(CLONE_NEWNS) != 0) _exit(21);
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(22);
    // Hide /proc under an empty tmpfs (unmounting it can be refused in a
    // user namespace, such as Bazel's sandbox, where its mount is locked).
    if (mount("none", "/proc", "tmpfs", 0, "size=16k") != 0) _exit(23);
    if (access("/proc/self/fd", F_OK) == 0) _exit(24);
    if (dup2(0, 5000) != 5000) _exit(25);
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = 1024;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) _exit(26);
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 436 /* close_range */, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog prog = {static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(27);
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) _exit(28);
    Command c;
    c.program = "/bin/bash";
    c.args = {"-c", "if true <&5000; then exit 10; else exit 11; fi 2>/dev/null"};
    auto id = Detach(c);
    if (!id.ok()) _exit(29);
    int status = 0;
    while (waitpid(id->pid, &status, 0) < 0 && errno == EINTR) {
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 30);
  }
  int status = 0;
  ASSERT_TRUE(world_.AwaitExitAndReap(child, Millis(20000), &status));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 11) << "10: fd 5000 reached the command; 2x: setup step failed";
}

}  // namespace
}  // namespace reap
