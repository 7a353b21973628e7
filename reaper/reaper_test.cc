// Tests of the built reaper binary, run as a user would run it. The test
// process is a subreaper, so whatever reaper detaches is adopted by it.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "reap/observe.h"
#include "reap/pidfile.h"
#include "reap/proc.h"
#include "testing/world.h"

namespace {

using reap_testing::PollUntil;

using reap_testing::RunResult;

class ReaperTest : public ::testing::Test {
 protected:
  void TearDown() override { world_.KillAll(); }

  RunResult Reaper(std::vector<std::string> args, reap_testing::Millis d = reap_testing::Millis(10000)) {
    args.insert(args.begin(), reaper_);
    return reap_testing::Run(args, d);
  }

  // Parses stdout as a PID: digits only, optional newline.
  static pid_t Pid(const std::string& out, bool want_newline) {
    std::string digits = out;
    if (want_newline) {
      EXPECT_FALSE(digits.empty());
      EXPECT_EQ(digits.back(), '\n');
      if (!digits.empty() && digits.back() == '\n') digits.pop_back();
    }
    EXPECT_FALSE(digits.empty());
    for (char c : digits) EXPECT_TRUE(c >= '0' && c <= '9') << "stdout: '" << out << "'";
    return static_cast<pid_t>(std::atoi(digits.c_str()));
  }

  static std::vector<std::string> Cmdline(pid_t pid) {
    std::vector<std::string> argv;
    PollUntil([&] {
      auto a = reap::ReadCmdline(pid);
      if (a.ok()) argv = a.value();
      return !argv.empty();
    });
    return argv;
  }

  void ExpectNoChildren() { EXPECT_TRUE(world_.Children().empty()); }

  reap_testing::World world_;
  std::string reaper_ = reap_testing::Runfile("reaper/reaper");
  std::string probe_ = reap_testing::Runfile("conformance/probe/probe");
};

TEST_F(ReaperTest, ModernFormPrintsPidAndNewline) {
  RunResult r = Reaper({"--", "sleep", "30"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  pid_t pid = Pid(r.out, true);
  EXPECT_EQ(Cmdline(pid), (std::vector<std::string>{"sleep", "30"}));
  auto st = reap::ReadProcStat(pid);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->ppid, getpid());
  EXPECT_EQ(st->session, pid);
  EXPECT_NE(st->session, getsid(0));
  EXPECT_EQ(world_.Children(), std::vector<pid_t>{pid}) << "reaper reaped its intermediate";
}

// The exact argv the Go tool's users pass through exec, with no shell.
TEST_F(ReaperTest, LegacyFormIsByteCompatible) {
  RunResult r = Reaper({"-cmd='sleep'", "-args='30'"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  pid_t pid = Pid(r.out, /*want_newline=*/false);
  EXPECT_EQ(Cmdline(pid), (std::vector<std::string>{"sleep", "30"}));
  auto st = reap::ReadProcStat(pid);
  ASSERT_TRUE(st.ok());
  EXPECT_NE(st->ppid, r.exit_code);  // never reaper's own child
  EXPECT_EQ(st->ppid, getpid());
  EXPECT_NE(st->session, getsid(0));
}

TEST_F(ReaperTest, LegacyFlagSpellingsAndQuoting) {
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> argv;
  } cases[] = {
      {{"-cmd", "sleep", "-args", "31"}, {"sleep", "31"}},
      {{"--cmd=sleep", "--args=32"}, {"sleep", "32"}},
      {{"-cmd=\"sleep\"", "-args=\"33\""}, {"sleep", "33"}},
      {{"-cmd='/bin/sh'", "-args='-c' 'sleep 34; true'"}, {"/bin/sh", "-c", "sleep 34; true"}},
      {{"-cmd=sleep 35"}, {"sleep", "35"}},
  };
  for (const auto& c : cases) {
    RunResult r = Reaper(c.args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    pid_t pid = Pid(r.out, false);
    EXPECT_EQ(Cmdline(pid), c.argv);
  }
}

TEST_F(ReaperTest, LegacyArgsAreNeverRunThroughAShell) {
  std::string dir = reap_testing::TempDir();
  std::string marker = dir + "/injected";
  RunResult r = Reaper({"-cmd='sleep'", "-args='30' ; touch " + marker + " $(touch " + marker + ")"});
  // sleep gets the literal words and fails on them, but nothing else ran.
  ASSERT_EQ(r.exit_code, 0) << r.err;
  pid_t pid = Pid(r.out, false);
  world_.AwaitExitAndReap(pid);
  EXPECT_NE(access(marker.c_str(), F_OK), 0) << "a shell interpreted the arguments";
}

TEST_F(ReaperTest, LegacyHelpAndVersion) {
  RunResult h = Reaper({"-h"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_EQ(h.out, "");
  EXPECT_NE(h.err.find("Usage of reaper:"), std::string::npos);
  EXPECT_NE(h.err.find("-cmd string"), std::string::npos);
  RunResult v = Reaper({"-v"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.rfind("reaper version: ", 0), 0u) << v.out;
  ExpectNoChildren();
}

TEST_F(ReaperTest, ModernHelpAndVersion) {
  RunResult h = Reaper({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("Usage: reaper [OPTIONS]"), std::string::npos);
  RunResult v = Reaper({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.rfind("reaper ", 0), 0u);
}

struct BadInput {
  std::string name;
  std::vector<std::string> args;
  int exit_code;
  std::string stderr_prefix;  // the line starts with this
};

class ReaperBadInputTest : public ReaperTest, public ::testing::WithParamInterface<BadInput> {};

TEST_P(ReaperBadInputTest, ClearErrorDistinctCodeNothingLeft) {
  const BadInput& b = GetParam();
  std::string dir = reap_testing::TempDir();
  std::vector<std::string> args;
  for (std::string a : b.args) {
    for (std::size_t at; (at = a.find("DIR")) != std::string::npos;) a.replace(at, 3, dir);
    args.push_back(a);
  }
  // Fixtures some cases need.
  int fd = open((dir + "/plain").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  close(fd);
  fd = open((dir + "/script").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0755);  // no #! line
  EXPECT_EQ(write(fd, "echo hi\n", 8), 8);
  close(fd);
  mkdir((dir + "/ro").c_str(), 0555);
  RunResult r = Reaper(args);
  EXPECT_EQ(r.exit_code, b.exit_code) << r.err;
  EXPECT_EQ(r.out, "") << "nothing on stdout on failure";
  std::string prefix = b.stderr_prefix;
  for (std::size_t at; (at = prefix.find("DIR")) != std::string::npos;) prefix.replace(at, 3, dir);
  EXPECT_EQ(r.err.rfind(prefix, 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
  ExpectNoChildren();
  EXPECT_TRUE(world_.ZombieChildren().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Bad, ReaperBadInputTest,
    ::testing::Values(
        BadInput{"Nonexistent",
                 {"--", "/nonexistent"},
                 127,
                 "reaper: exec: /nonexistent: No such file or directory"},
        BadInput{"NotInPath",
                 {"reap-no-such-cmd"},
                 127,
                 "reaper: resolve: reap-no-such-cmd: No such file or directory"},
        BadInput{"Directory",
                 {"--", "DIR"},
                 126,
                 "reaper: exec: DIR: a directory, not a program (Permission denied)"},
        BadInput{"NotExecutable", {"--", "DIR/plain"}, 126, "reaper: exec: DIR/plain: Permission denied"},
        BadInput{"ScriptWithoutShebang",
                 {"--", "DIR/script"},
                 126,
                 "reaper: exec: DIR/script: not a program this system can run; a script needs a first line "
                 "such as "
                 "#!/bin/sh (Exec format error); or have sh run it: reaper --shell 'DIR/script'"},
        BadInput{"EmptyProgram", {"--", ""}, 2, "reaper: usage: empty command name"},
        BadInput{"MissingCwd", {"--cwd", "DIR/missing", "true"}, 1, "reaper: chdir: "},
        BadInput{
            "StdoutMissingDir",
            {"--stdout", "DIR/no/out", "true"},
            1,
            "reaper: stdout: DIR/no/out: its directory DIR/no does not exist (No such file or directory)"},
        BadInput{"PidfileMissingDir",
                 {"--pidfile", "DIR/no/such/dir/pid", "true"},
                 1,
                 "reaper: pidfile: DIR/no/such/dir/pid: its directory DIR/no/such/dir does not exist (No "
                 "such file or "
                 "directory)"},
        BadInput{
            "PidfileDirIsAFile",
            {"--pidfile", "DIR/plain/pid", "true"},
            1,
            "reaper: pidfile: DIR/plain/pid: its directory DIR/plain is not a directory (Not a directory)"},
        BadInput{"InvalidUmask", {"--umask", "0999", "true"}, 2, "reaper: usage: --umask"},
        BadInput{
            "KeepFdClosed", {"--keep-fd", "913", "true"}, 1, "reaper: keep-fd: fd 913: Bad file descriptor"},
        BadInput{"KeepFdStdio", {"--keep-fd", "1", "true"}, 2, "reaper: usage: --keep-fd"},
        BadInput{
            "UnknownOption", {"--frobnicate", "true"}, 2, "reaper: usage: unknown option '--frobnicate'"},
        BadInput{"NoCommand", {}, 2, "reaper: usage: no command given"},
        BadInput{"LegacyEmptyCmd", {"-cmd=''"}, 2, "reaper: usage: -cmd is empty"},
        BadInput{"LegacyUnterminatedQuote",
                 {"-cmd=sleep", "-args='30"},
                 2,
                 "reaper: usage: -args: unterminated single quote"},
        BadInput{
            "LegacyUnknownFlag", {"-cmd=sleep", "-x"}, 2, "reaper: usage: flag provided but not defined: -x"},
        BadInput{"BadEnv", {"--env", "NOEQUALS", "true"}, 2, "reaper: usage: --env"},
        BadInput{"CgroupMissing",
                 {"--cgroup", "DIR/missing", "true"},
                 4,
                 "reaper: cgroup: DIR/missing: No such file or directory"},
        BadInput{"CgroupNotACgroup",
                 {"--cgroup", "DIR", "true"},
                 4,
                 "reaper: cgroup: DIR: not a cgroup v2 directory"},
        BadInput{"CgroupEmpty", {"--cgroup", "", "true"}, 2, "reaper: usage: --cgroup needs"},
        // Both flags in one argument, a common mistake from Python.
        BadInput{"LegacyInOneArgument",
                 {"-cmd='true' -args='30'"},
                 2,
                 "reaper: usage: -cmd's value holds -args: give them as two arguments, "
                 "-cmd='COMMAND' -args='ARGS'"},
        // Seconds after a space would be taken for the command.
        BadInput{"WaitReadySecondsAfterASpace",
                 {"--wait-ready", "2", "true"},
                 2,
                 "reaper: usage: --wait-ready takes its seconds after '=' (--wait-ready=2)"}),
    [](const ::testing::TestParamInfo<BadInput>& info) { return info.param.name; });

// --scope when systemd's bus cannot be reached (pointed at nothing, so the
// answer is the same where systemd runs): exit 4, one line naming the
// scope and why, and the command, started already, killed and reaped.
TEST_F(ReaperTest, ScopeThatCannotBeMadeLeavesNothing) {
  const std::string nowhere = "DBUS_SYSTEM_BUS_ADDRESS=unix:path=" + reap_testing::TempDir() + "/no-bus";
  const std::string user_nowhere =
      "DBUS_SESSION_BUS_ADDRESS=unix:path=" + reap_testing::TempDir() + "/no-bus";
  RunResult r = reap_testing::Run({reaper_, "--scope=reap-test.scope", "--property=MemoryMax=64M", "--",
                                   "/bin/sh", "-c", "sleep 30 & sleep 30"},
                                  reap_testing::Millis(20000), {nowhere, user_nowhere});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("reaper: scope: reap-test.scope: cannot reach the systemd ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  // What the command forked was killed with it; we adopted and reap it.
  reap_testing::Reaps reaps;
  EXPECT_TRUE(reap_testing::PollReaping(
      &reaps, [&] { return world_.Children().empty(); }, reap_testing::Millis(5000)));
  for (const auto& [pid, status] : reaps.status) EXPECT_TRUE(WIFSIGNALED(status)) << pid;
}

TEST_F(ReaperTest, ScopeOptionsAreCheckedBeforeAnythingStarts) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--scope=no-suffix", "true"},
                                             {"--scope", "--property=Nice=5", "true"},
                                             {"--scope", "--property=MemoryMax=lots", "true"},
                                             {"--slice=w.slice", "true"},
                                             {"--scope", "--cgroup=/sys/fs/cgroup", "true"},
                                             {"--scope", "--wait-ready", "true"}}) {
    RunResult r = Reaper(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << r.err;
    EXPECT_EQ(r.err.rfind("reaper: usage: ", 0), 0u) << r.err;
  }
  ExpectNoChildren();
}

// argv too large for the command (but not for reaper): the legacy -args
// string splits into many words; a small stack limit lowers ARG_MAX.
TEST_F(ReaperTest, ArgvTooLargeIsE2big) {
  std::string many;
  for (int i = 0; i < 60000; ++i) many += "a ";
  RunResult r =
      reap_testing::Run({"/usr/bin/prlimit", "--stack=524288", reaper_, "-cmd=true", "-args=" + many});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "reaper: exec: true: Argument list too long\n");
  ExpectNoChildren();
}

TEST_F(ReaperTest, PidfileIsWrittenAndGuarded) {
  std::string dir = reap_testing::TempDir();
  std::string pidfile = dir + "/app.pid";
  RunResult r = Reaper({"--pidfile", pidfile, "--", probe_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  pid_t pid = Pid(r.out, true);
  auto from_file = reap::ReadPidfile(pidfile);
  ASSERT_TRUE(from_file.ok());
  EXPECT_EQ(from_file.value(), pid);
  struct stat st;
  ASSERT_EQ(stat(pidfile.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  // A live process is named: refuse, start nothing, keep the file.
  RunResult again = Reaper({"--pidfile", pidfile, "--", probe_});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.out, "");
  EXPECT_NE(again.err.find("names running process " + std::to_string(pid)), std::string::npos) << again.err;
  EXPECT_EQ(world_.Children(), std::vector<pid_t>{pid});
  EXPECT_EQ(reap::ReadPidfile(pidfile).value(), pid);

  // --force replaces it.
  RunResult forced = Reaper({"--pidfile", pidfile, "--force", "--", probe_});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(reap::ReadPidfile(pidfile).value(), Pid(forced.out, true));

  // A stale pidfile (process gone) is replaced without --force.
  world_.KillAll();
  RunResult stale = Reaper({"--pidfile", pidfile, "--", probe_});
  ASSERT_EQ(stale.exit_code, 0) << stale.err;
  // No temp files left in the directory.
  int entries = 0;
  for (auto* d = opendir(dir.c_str()); d != nullptr;) {
    auto* e = readdir(d);
    if (e == nullptr) {
      closedir(d);
      break;
    }
    if (e->d_name[0] != '.' || std::string(e->d_name).size() > 2) ++entries;
  }
  EXPECT_EQ(entries, 1);
}

// Two reapers started together on one pidfile: exactly one starts its
// command, the other refuses and starts nothing (the lock spans check,
// start and commit).
TEST_F(ReaperTest, ConcurrentReapersOnOnePidfileStartExactlyOne) {
  std::string dir = reap_testing::TempDir();
  std::string pidfile = dir + "/app.pid";
  for (int round = 0; round < 100; ++round) {
    RunResult a, b;
    std::thread ta([&] { a = Reaper({"--pidfile", pidfile, "--", probe_}); });
    std::thread tb([&] { b = Reaper({"--pidfile", pidfile, "--", probe_}); });
    ta.join();
    tb.join();
    ASSERT_EQ((a.exit_code == 0) + (b.exit_code == 0), 1)
        << "round " << round << ": " << a.exit_code << " " << a.err << " / " << b.exit_code << " " << b.err;
    const RunResult& won = a.exit_code == 0 ? a : b;
    const RunResult& lost = a.exit_code == 0 ? b : a;
    EXPECT_EQ(lost.exit_code, 1);
    EXPECT_NE(lost.err.find("names running process"), std::string::npos) << lost.err;
    EXPECT_EQ(lost.out, "");
    pid_t pid = Pid(won.out, true);
    EXPECT_EQ(world_.Children(), std::vector<pid_t>{pid}) << "round " << round;
    EXPECT_EQ(reap::ReadPidfile(pidfile).value(), pid);
    world_.KillAll();
  }
}

// A FIFO, a directory or a symbolic link at the pidfile's path: refused at
// once (never opened, never followed), nothing started.
TEST_F(ReaperTest, PidfileThatIsNoRegularFileIsRefused) {
  std::string dir = reap_testing::TempDir();
  ASSERT_EQ(mkfifo((dir + "/fifo").c_str(), 0644), 0);
  ASSERT_EQ(mkdir((dir + "/dir").c_str(), 0755), 0);
  ASSERT_EQ(symlink("/etc/passwd", (dir + "/link").c_str()), 0);
  for (const char* name : {"fifo", "dir", "link"}) {
    RunResult r = Reaper({"--pidfile", dir + "/" + name, "--", probe_}, reap_testing::Millis(5000));
    EXPECT_FALSE(r.timed_out) << name;
    EXPECT_EQ(r.exit_code, 1) << name;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("reaper: pidfile: " + dir + "/" + name + ": is a ", 0), 0u) << r.err;
    ExpectNoChildren();
  }
  EXPECT_EQ(reap::ReadPidfile(dir + "/link").error().err, EINVAL);
}

// reaper's own descriptors never take a number the command is to receive:
// a closed fd 3 asked for with --keep-fd stays an error, and with stdout
// closed and inherited the command's fd 1 stays closed (not the pidfile).
TEST_F(ReaperTest, PidfileDescriptorNeverReachesTheCommand) {
  std::string dir = reap_testing::TempDir();
  RunResult keep = Reaper({"--keep-fd", "3", "--pidfile", dir + "/k.pid", "--", probe_});
  EXPECT_EQ(keep.exit_code, 1);
  EXPECT_EQ(keep.err, "reaper: keep-fd: fd 3: Bad file descriptor\n");
  ExpectNoChildren();

  std::string report = dir + "/report";
  close(open(report.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  RunResult r = reap_testing::Run(
      {"/bin/sh", "-c", "exec 1>&-; exec \"$0\" --stdout - --pidfile \"$1\" -- \"$2\" --report \"$3\"",
       reaper_, dir + "/s.pid", probe_, report});
  EXPECT_NE(r.exit_code, 0) << "stdout was closed: the PID cannot be printed";
  ASSERT_TRUE(PollUntil([&] { return reap_testing::ReadAll(report).find('\n') != std::string::npos; }));
  std::string line = reap_testing::ReadAll(report);
  EXPECT_NE(line.find(" fds=0,2\n"), std::string::npos) << line;
  std::string text = reap_testing::ReadAll(dir + "/s.pid");
  EXPECT_EQ(text, std::to_string(reap::ParsePidfile(text).value()) + "\n");
}

// The pidfile cannot be written after the command started (here: a
// directory appears at its path while reaper is stopped between the exec
// and the write): the command and everything it forked meanwhile are
// killed (its whole process group), nothing is left.
TEST_F(ReaperTest, FailedPidfileCommitKillsTheCommandsProcessGroup) {
  std::string dir = reap_testing::TempDir();
  std::string pidfile = dir + "/app.pid", log = dir + "/faults.log", err = dir + "/err";
  std::string plan = std::string("REAP_FAULT_PLAN=before_return:") + log;
  std::string faulty = reap_testing::Runfile("reaper/reaper_faults");
  pid_t reaper = fork();
  ASSERT_GE(reaper, 0);
  if (reaper == 0) {
    int fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    putenv(plan.data());
    execl(faulty.c_str(), "reaper", "--pidfile", pidfile.c_str(), "--", "/bin/sh", "-c",
          "sleep 30 & exec sleep 31", static_cast<char*>(nullptr));
    _exit(127);
  }
  // reaper stops itself once the command's exec is confirmed.
  ASSERT_TRUE(PollUntil(
      [&] {
        auto st = reap::ReadProcStat(reaper);
        return st.ok() && st->state == 'T';
      },
      reap_testing::Millis(10000)));
  pid_t command = 0;
  ASSERT_TRUE(PollUntil(
      [&] {
        auto kids = reap::ListChildren(reaper);
        if (kids.empty()) return false;
        command = kids[0];
        return reap::ListChildren(command).size() == 1;  // the shell forked its sleep
      },
      reap_testing::Millis(10000)));
  pid_t grandchild = reap::ListChildren(command)[0];
  ASSERT_EQ(mkdir(pidfile.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((pidfile + "/occupied").c_str(), 0755), 0);
  kill(reaper, SIGCONT);
  int status = 0;
  ASSERT_TRUE(world_.AwaitExitAndReap(reaper, reap_testing::Millis(10000), &status));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
  // "reaper: pidfile: PATH: REASON", the one error format (no stage word).
  EXPECT_EQ(reap_testing::ReadAll(err).rfind("reaper: pidfile: " + pidfile + ": ", 0), 0u)
      << reap_testing::ReadAll(err);
  EXPECT_TRUE(PollUntil(
      [&] { return !reap_testing::PidIsRunning(command) && !reap_testing::PidIsRunning(grandchild); },
      reap_testing::Millis(5000)))
      << "the command or its child survived the failed commit";
}

TEST_F(ReaperTest, FailedCommandLeavesNoPidfile) {
  std::string dir = reap_testing::TempDir();
  RunResult r = Reaper({"--pidfile", dir + "/x.pid", "--", "/nonexistent"});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(access((dir + "/x.pid").c_str(), F_OK), 0);
  EXPECT_EQ(rmdir(dir.c_str()), 0) << "no temp file left behind";
}

TEST_F(ReaperTest, JsonOutput) {
  RunResult r = Reaper({"--json", "--", "sleep", "30", "a \"q\"\n"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  pid_t pid = static_cast<pid_t>(std::atoi(r.out.c_str() + r.out.find(':') + 1));
  auto st = reap::ReadProcStat(pid);
  ASSERT_TRUE(st.ok());
  std::string expected = "{\"pid\":" + std::to_string(pid) +
                         ",\"start_time\":" + std::to_string(st->start_time) +
                         ",\"pgid\":" + std::to_string(pid) + ",\"sid\":" + std::to_string(pid) +
                         ",\"target\":\"" + std::to_string(pid) + ":" + std::to_string(st->start_time) +
                         "\"" + ",\"argv\":[\"sleep\",\"30\",\"a \\\"q\\\"\\n\"]}\n";
  EXPECT_EQ(r.out, expected);
}

// An argument that is not UTF-8 still gives valid JSON: each invalid byte is
// U+FFFD, valid multi-byte characters pass through.
TEST_F(ReaperTest, JsonIsValidUtf8WhateverTheArguments) {
  RunResult r = Reaper({"--json", "--", "sleep", "30", "\xff\xfeok", "caf\xc3\xa9", "\xed\xa0\x80", "\xc3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string argv = r.out.substr(r.out.find("\"argv\""));
  EXPECT_EQ(argv,
            "\"argv\":[\"sleep\",\"30\",\"\\ufffd\\ufffdok\",\"caf\xc3\xa9\",\"\\ufffd\\ufffd\\ufffd\","
            "\"\\ufffd\"]}\n");
  for (unsigned char c : r.out) EXPECT_TRUE(c < 0x80 || c == 0xc3 || c == 0xa9) << static_cast<int>(c);
}

// The "target" of --json: PID:START_TIME.
std::string TargetOf(const std::string& json) {
  std::size_t at = json.find("\"target\":\"");
  if (at == std::string::npos) return "";
  at += 10;
  return json.substr(at, json.find('"', at) - at);
}

TEST_F(ReaperTest, StatusAndStopByPidAndStartTime) {
  RunResult r = Reaper({"--json", "--", probe_, "--linger-ms", "20000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string target = TargetOf(r.out);
  ASSERT_FALSE(target.empty()) << r.out;
  pid_t pid = static_cast<pid_t>(std::atoi(target.c_str()));
  RunResult status = Reaper({"status", target});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(status.out, "running " + target + "\n");
  RunResult stop = Reaper({"stop", target});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(stop.out.rfind("stopped ", 0), 0u) << stop.out;
  EXPECT_FALSE(reap_testing::PidIsRunning(pid));
  world_.AwaitExitAndReap(pid);
  RunResult gone = Reaper({"status", target});
  EXPECT_EQ(gone.exit_code, 3) << gone.out;
  RunResult again = Reaper({"stop", target});
  EXPECT_EQ(again.exit_code, 1) << "not running: nothing to stop";
}

TEST_F(ReaperTest, StatusAndStopByPidfile) {
  std::string pidfile = reap_testing::TempDir() + "/app.pid";
  RunResult r = Reaper({"--pidfile", pidfile, "--", probe_, "--linger-ms", "20000", "--ignore-term"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  pid_t pid = Pid(r.out, true);
  EXPECT_EQ(reap_testing::ReadAll(pidfile), std::to_string(pid) + "\n") << "a plain PID for kill $(cat FILE)";
  EXPECT_EQ(Reaper({"status", "--pidfile", pidfile}).exit_code, 0);
  // It ignores SIGTERM (once its main has run: on a busy machine a SIGTERM
  // can come first): stop escalates to SIGKILL after --timeout.
  ASSERT_TRUE(reap_testing::PollUntil([&] {
    auto st = reap::ReadProcStatus(pid);
    return st.ok() && (st->sig_ign & (1ull << (SIGTERM - 1))) != 0;
  }));
  RunResult stop = Reaper({"stop", "--timeout", "0.3", "--pidfile", pidfile});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_NE(stop.out.find("SIGKILL"), std::string::npos) << stop.out;
  world_.AwaitExitAndReap(pid);
  RunResult status = Reaper({"status", "--pidfile", pidfile});
  EXPECT_EQ(status.exit_code, 1) << "dead, but the pidfile exists: " << status.out;
}

// A PID that now belongs to another process is never signalled: a target
// with another start time, and a pidfile that recorded another start time.
TEST_F(ReaperTest, RecycledPidIsNeverSignalled) {
  pid_t other = fork();
  ASSERT_GE(other, 0);
  if (other == 0) {
    sleep(30);
    _exit(0);
  }
  auto st = reap::ReadProcStat(other);
  ASSERT_TRUE(st.ok());
  std::string stale = std::to_string(other) + ":" + std::to_string(st->start_time + 1);
  for (const std::vector<std::string>& cmd :
       {std::vector<std::string>{"signal", "KILL", stale}, std::vector<std::string>{"stop", stale}}) {
    RunResult r = Reaper(cmd);
    EXPECT_EQ(r.exit_code, 5) << r.err;
    EXPECT_NE(r.err.find("now belongs to another process"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("nothing was signalled"), std::string::npos) << r.err;
  }
  std::string pidfile = reap_testing::TempDir() + "/old.pid";
  { std::ofstream(pidfile) << other << "\n"; }
  std::string recorded = std::to_string(st->start_time + 1);
  ASSERT_EQ(setxattr(pidfile.c_str(), "user.reap.start_time", recorded.data(), recorded.size(), 0), 0);
  RunResult stop = Reaper({"stop", "--pidfile", pidfile});
  EXPECT_EQ(stop.exit_code, 5) << stop.err;
  EXPECT_EQ(Reaper({"status", "--pidfile", pidfile}).exit_code, 1);
  // And reaper --pidfile does not mistake it for its own running command.
  RunResult start = Reaper({"--pidfile", pidfile, "--", probe_});
  EXPECT_EQ(start.exit_code, 0) << start.err;
  EXPECT_TRUE(reap_testing::PidIsRunning(other)) << "the other process was signalled";
  kill(other, SIGKILL);
  world_.AwaitExitAndReap(other);
}

// A PID alone may name a recycled process: status shows the pair that
// names the process now, signal and stop refuse it.
TEST_F(ReaperTest, BarePidIsLookedAtButNeverSignalled) {
  RunResult r = Reaper({"--json", "--", probe_, "--linger-ms", "20000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string target = TargetOf(r.out);
  std::string pid = target.substr(0, target.find(':'));
  for (const std::vector<std::string>& cmd :
       {std::vector<std::string>{"stop", pid}, std::vector<std::string>{"signal", "KILL", pid}}) {
    RunResult refused = Reaper(cmd);
    EXPECT_EQ(refused.exit_code, 2) << refused.err;
    EXPECT_NE(refused.err.find("a PID alone may name a recycled process"), std::string::npos) << refused.err;
  }
  EXPECT_TRUE(reap_testing::PidIsRunning(std::atoi(pid.c_str())));
  RunResult status = Reaper({"status", pid});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(status.out,
            "running " + target + " (checked by PID alone; use this PID:START_TIME from now on)\n");
  EXPECT_EQ(Reaper({"wait", "--timeout", "0.05", pid}).exit_code, 3);
  RunResult stop = Reaper({"stop", target});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
}

TEST_F(ReaperTest, WaitForAProcessThatIsNotOurChild) {
  RunResult r = Reaper({"--json", "--", probe_, "--linger-ms", "300"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string target = TargetOf(r.out);
  RunResult early = Reaper({"wait", "--timeout", "0.05", target});
  EXPECT_EQ(early.exit_code, 3) << early.err;
  EXPECT_EQ(early.err, "reaper: wait: " + target + " still running after 0.05 s\n");
  RunResult done = Reaper({"wait", "--timeout", "5", target});
  EXPECT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(Reaper({"wait", "PID"}).exit_code, 2);
  EXPECT_EQ(Reaper({"signal", "NOSUCHSIG", target}).exit_code, 2);
}

// Without --timeout, wait waits as long as it takes.
TEST_F(ReaperTest, WaitWithoutTimeoutWaitsForTheExit) {
  RunResult r = Reaper({"--json", "--", probe_, "--linger-ms", "800"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto start = std::chrono::steady_clock::now();
  RunResult done = Reaper({"wait", TargetOf(r.out)}, reap_testing::Millis(20000));
  EXPECT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(done.err, "");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300)) << "returned at once";
}

// --wait-ready: reaper returns only once the command sent READY=1.
TEST_F(ReaperTest, WaitReadyReturnsOnlyAfterReady) {
  std::string report = reap_testing::TempDir() + "/report";
  close(open(report.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  RunResult r = Reaper(
      {"--wait-ready=10", "--", probe_, "--report", report, "--notify-after", "300", "--linger-ms", "20000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(reap_testing::ReadAll(report).find("\nready\n"), std::string::npos)
      << "reaper returned before READY=1: " << reap_testing::ReadAll(report);
  pid_t pid = Pid(r.out, true);
  EXPECT_TRUE(reap_testing::PidIsRunning(pid));
}

TEST_F(ReaperTest, WaitReadyFailsWithTheStatusWhenTheCommandDiesFirst) {
  std::string err = reap_testing::TempDir() + "/err";
  RunResult r =
      Reaper({"--wait-ready=10", "--stderr", err, "--", "/bin/sh", "-c", "echo bad option >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(
      r.err,
      "reaper: start: /bin/sh exited with status 3 before it was ready; its stderr ended with: bad option\n");
  ExpectNoChildren();
}

TEST_F(ReaperTest, WaitReadyTimesOutAndKillsTheCommand) {
  RunResult r = Reaper({"--wait-ready=0.3", "--", probe_, "--linger-ms", "20000"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("reaper: ready: " + probe_ + " sent no READY=1 within 0.3 s", 0), 0u) << r.err;
  EXPECT_TRUE(PollUntil([&] { return world_.Children().empty(); }));
}

// A READY=1 from any other process (here: the test) is not the command's.
TEST_F(ReaperTest, WaitReadyIgnoresAStranger) {
  std::string report = reap_testing::TempDir() + "/report";
  close(open(report.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  std::string out = reap_testing::TempDir() + "/out";
  pid_t reaper = fork();
  ASSERT_GE(reaper, 0);
  if (reaper == 0) {
    int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    execl(reaper_.c_str(), "reaper", "--wait-ready=20", "--", probe_.c_str(), "--report", report.c_str(),
          "--notify-after", "1500", "--linger-ms", "20000", static_cast<char*>(nullptr));
    _exit(127);
  }
  pid_t command = 0;
  std::string address;
  ASSERT_TRUE(PollUntil([&] {
    auto kids = reap::ListChildren(reaper);
    if (kids.empty()) return false;
    command = kids[0];
    std::string env = reap_testing::ReadAll("/proc/" + std::to_string(command) + "/environ");
    std::size_t at = env.find(std::string("NOTIFY_SOCKET=", 14));
    if (at == std::string::npos) return false;
    address = env.substr(at + 14, env.find('\0', at) - at - 14);
    return true;
  }));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, address.data(), address.size());
  addr.sun_path[0] = '\0';  // "@name": abstract
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  const char ready[] = "READY=1";
  ASSERT_GT(sendto(fd, ready, sizeof ready - 1, 0, reinterpret_cast<sockaddr*>(&addr),
                   static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size())),
            0);
  close(fd);
  int status = 0;
  ASSERT_TRUE(world_.AwaitExitAndReap(reaper, reap_testing::Millis(10000), &status));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_NE(reap_testing::ReadAll(report).find("\nready\n"), std::string::npos)
      << "reaper took the stranger's READY=1";
}

TEST_F(ReaperTest, WaitAliveFailsForACommandThatExitsAtOnce) {
  RunResult dies = Reaper({"--wait-alive=2", "--", "/bin/sh", "-c", "exit 4"});
  EXPECT_EQ(dies.exit_code, 1);
  EXPECT_EQ(dies.err, "reaper: start: /bin/sh exited with status 4 within 2 s\n");
  ExpectNoChildren();
  RunResult lives = Reaper({"--wait-alive=0.2", "--", probe_, "--linger-ms", "20000"});
  EXPECT_EQ(lives.exit_code, 0) << lives.err;
  EXPECT_EQ(Reaper({"--wait-alive", "--", "true"}).exit_code, 2);
  EXPECT_EQ(Reaper({"--wait-ready=-1", "--", "true"}).exit_code, 2);
}

TEST_F(ReaperTest, UnknownUserFailsBeforeAnythingStarts) {
  RunResult r = Reaper({"--user", "no-such-user-of-reap", "--", probe_});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "reaper: user: 'no-such-user-of-reap': no such user\n");
  EXPECT_EQ(Reaper({"--user", "root:no-such-group-of-reap", "--", probe_}).exit_code, 2);
  EXPECT_EQ(Reaper({"--user", "root:", "--", probe_}).exit_code, 2);
  ExpectNoChildren();
}

TEST_F(ReaperTest, ShellOptionRunsAPipelineDetached) {
  std::string dir = reap_testing::TempDir();
  RunResult r = Reaper({"--cwd", dir, "--shell", "echo hello | tr a-z A-Z > out.txt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  pid_t pid = Pid(r.out, true);
  ASSERT_TRUE(world_.AwaitExitAndReap(pid));
  world_.KillAll();
  std::ifstream f(dir + "/out.txt");
  std::string line;
  std::getline(f, line);
  EXPECT_EQ(line, "HELLO");
}

TEST_F(ReaperTest, StdioEnvAndCwdOptions) {
  std::string dir = reap_testing::TempDir();
  RunResult r = Reaper({"--cwd", dir, "--stdout", dir + "/out", "--stderr", dir + "/out", "--append",
                        "--clear-env", "--env", "GREETING=hi there", "--umask", "077", "--", "/bin/sh", "-c",
                        "echo \"$GREETING\"; echo oops >&2; env | wc -l; umask; pwd"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(world_.AwaitExitAndReap(Pid(r.out, true)));
  std::ifstream f(dir + "/out");
  std::stringstream ss;
  ss << f.rdbuf();
  // sh adds PWD (and maybe SHLVL/_) to what it was given: at most 4 lines.
  std::string text = ss.str();
  EXPECT_EQ(text.rfind("hi there\noops\n", 0), 0u) << text;
  EXPECT_NE(text.find("0077\n" + dir + "\n"), std::string::npos) << text;
}

TEST_F(ReaperTest, UnwritableStdoutIsAnErrorButTheCommandLivesOn) {
  // reaper's stdout is closed (its caller is gone, say): it reports the
  // failure with the PID on stderr and exits 3, and the detached command,
  // which must outlive its caller, keeps running.
  RunResult r = reap_testing::Run({"/bin/sh", "-c", "\"$0\" -- sleep 30 >&-; echo rc=$?", reaper_});
  EXPECT_NE(r.out.find("rc=3"), std::string::npos) << r.out << r.err;
  const std::string prefix = "reaper: output: stdout: Bad file descriptor (pid ";
  ASSERT_EQ(r.err.rfind(prefix, 0), 0u) << r.err;
  pid_t pid = static_cast<pid_t>(std::atoi(r.err.c_str() + prefix.size()));
  EXPECT_EQ(Cmdline(pid), (std::vector<std::string>{"sleep", "30"}));
  auto st = reap::ReadProcStat(pid);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->ppid, getpid());
  EXPECT_NE(st->state, 'Z');
}

// --shell '' is a usage error; it does not start an empty shell.
TEST_F(ReaperTest, EmptyShellCommandLineIsAUsageError) {
  for (const char* line : {"", "  "}) {
    RunResult r = Reaper({"--shell", line});
    EXPECT_EQ(r.exit_code, 2) << line;
    EXPECT_EQ(r.err, "reaper: usage: --shell needs a command line (see reaper --help)\n");
    ExpectNoChildren();
  }
}

// --stdout F --stderr F: one open file shared by both, as daemonize and
// start-stop-daemon do; neither stream overwrites the other.
TEST_F(ReaperTest, StdoutAndStderrToTheSameFileShareIt) {
  std::string dir = reap_testing::TempDir();
  std::string log = dir + "/both.log";
  RunResult r = Reaper({"--stdout", log, "--stderr", log, "--", "/bin/sh", "-c",
                        "echo out-line; echo err-line >&2; echo out-again"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(world_.AwaitExitAndReap(Pid(r.out, true)));
  EXPECT_EQ(reap_testing::ReadAll(log), "out-line\nerr-line\nout-again\n");
}

}  // namespace
