// reaper doctor, run as the only program of a private PID namespace whose
// init (this test) either reaps orphans or does not.
#include "reaper/doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <utility>

#include "gtest/gtest.h"
#include "testing/world.h"

namespace {

// Reads OUT until EOF while waiting (bounded: 20 s) for PID to exit; when
// REAP_ALL, reaps every other child too (an init that reaps). Returns
// {exit status or -1, output}.
std::vector<std::string> Collect(pid_t pid, int out, bool reap_all) {
  std::string text;
  int status = -1;
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool eof = false;
  while (std::chrono::steady_clock::now() < end) {
    pollfd p = {out, POLLIN, 0};
    if (!eof && poll(&p, 1, 5) > 0) {
      char buf[4096];
      ssize_t n = read(out, buf, sizeof buf);
      if (n > 0)
        text.append(buf, static_cast<std::size_t>(n));
      else
        eof = true;
    }
    int st = 0;
    pid_t w = waitpid(reap_all ? -1 : pid, &st, WNOHANG);
    if (w == pid) status = st;
    if (status != -1 && eof) break;
    if (eof) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  close(out);
  return {std::to_string(status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1), text};
}

// Starts `reaper doctor` with stdout on a pipe; returns {pid, read end}.
std::pair<pid_t, int> StartDoctor(long (*start)()) {
  std::string reaper = reap_testing::Runfile("reaper/reaper");
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return {-1, -1};
  long pid = start();
  if (pid == 0) {
    dup2(out[1], 1);
    execl(reaper.c_str(), "reaper", "doctor", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  if (pid < 0) {
    close(out[0]);
    return {-1, -1};
  }
  return {static_cast<pid_t>(pid), out[0]};
}

long PlainFork() { return fork(); }
// PID 1 of a new PID namespace that keeps the parent's /proc.
long ForkIntoNewPidNamespace() {
  return syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, nullptr, nullptr, nullptr, 0);
}

// Runs `reaper doctor` from PID 1 of a new namespace (with its own /proc).
// When REAPS, PID 1 reaps every orphan while waiting.
std::vector<std::string> DoctorInNamespace(bool reaps) {
  return reap_testing::RunInPidNamespace([&]() -> std::vector<std::string> {
    auto [pid, out] = StartDoctor(&PlainFork);
    if (pid < 0) return {"-1", "could not start reaper doctor"};
    return Collect(pid, out, reaps);
  });
}

TEST(DoctorTest, ReportsAnInitThatDoesNotReap) {
  auto r = DoctorInNamespace(/*reaps=*/false);
  ASSERT_EQ(r.size(), 2u) << (r.empty() ? "" : r[0]);
  EXPECT_EQ(r[0], "1") << r[1];
  EXPECT_NE(r[1].find("orphans are adopted by: 1 ("), std::string::npos) << r[1];
  EXPECT_NE(r[1].find("exited orphans are reaped: NO"), std::string::npos) << r[1];
  EXPECT_NE(r[1].find("verdict: PROBLEM"), std::string::npos) << r[1];
  EXPECT_NE(r[1].find("advice:"), std::string::npos) << r[1];
}

// PID 1 of a new PID namespace whose /proc is still the parent's: the
// doctor must not report numbers it cannot observe.
TEST(DoctorTest, SaysItCannotTellWithoutItsOwnProc) {
  auto [pid, out] = StartDoctor(&ForkIntoNewPidNamespace);
  ASSERT_GE(pid, 0) << std::strerror(errno);
  auto r = Collect(pid, out, /*reap_all=*/false);
  EXPECT_EQ(r[0], "4") << r[1];
  EXPECT_NE(r[1].find("verdict: UNKNOWN"), std::string::npos) << r[1];
  EXPECT_EQ(r[1].find("verdict: OK"), std::string::npos) << r[1];
}

TEST(DoctorSupervisorTest, FindsTheCgroupInProcSelfCgroup) {
  EXPECT_EQ(reaper::CgroupOf("0::/system.slice/web.service\n"), "/system.slice/web.service");
  EXPECT_EQ(
      reaper::CgroupOf("9:name=systemd:/user.slice/user-1000.slice/session-3.scope\n4:memory:/x\n0::/\n"),
      "/user.slice/user-1000.slice/session-3.scope");
  EXPECT_EQ(reaper::CgroupOf(""), "");
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

TEST(DoctorSupervisorTest, WarnsThatAServiceKillsDetachedCommands) {
  std::string s = Joined(reaper::SupervisorFindings("/system.slice/web.service", true, "", false));
  EXPECT_NE(s.find("WARNING: this is systemd service web.service"), std::string::npos) << s;
  EXPECT_NE(s.find("Detached commands die with web.service"), std::string::npos) << s;
  EXPECT_NE(s.find("--cgroup"), std::string::npos) << s;
}

TEST(DoctorSupervisorTest, ASessionKillsOnlyWithKillUserProcesses) {
  const std::string cg = "/user.slice/user-1000.slice/session-3.scope";
  std::string on = Joined(reaper::SupervisorFindings(cg, true, "", true));
  std::string off = Joined(reaper::SupervisorFindings(cg, true, "", false));
  EXPECT_NE(on.find("WARNING: this is logind session session-3.scope: KillUserProcesses=yes"),
            std::string::npos)
      << on;
  EXPECT_EQ(off.find("WARNING"), std::string::npos) << off;
  EXPECT_NE(off.find("detached commands outlive the logout"), std::string::npos) << off;
}

TEST(DoctorSupervisorTest, AContainerIsNamed) {
  std::string s = Joined(reaper::SupervisorFindings("/", false, "/.dockerenv exists", false));
  EXPECT_NE(s.find("no systemd"), std::string::npos) << s;
  EXPECT_NE(s.find("container: /.dockerenv exists: when it stops"), std::string::npos) << s;
  EXPECT_EQ(s.find("WARNING"), std::string::npos) << s;
}

TEST(DoctorTest, ReportsAnInitThatReaps) {
  auto r = DoctorInNamespace(/*reaps=*/true);
  ASSERT_EQ(r.size(), 2u) << (r.empty() ? "" : r[0]);
  EXPECT_EQ(r[0], "0") << r[1];
  EXPECT_NE(r[1].find("exited orphans are reaped: yes"), std::string::npos) << r[1];
  EXPECT_NE(r[1].find("verdict: OK"), std::string::npos) << r[1];
  EXPECT_NE(r[1].find("  cgroup: "), std::string::npos) << r[1];
}

}  // namespace
