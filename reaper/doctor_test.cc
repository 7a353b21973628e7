// reaper doctor, run as the only program of a private PID namespace whose
// init (this test) either reaps orphans or does not.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "testing/scenario.h"
#include "testing/world.h"

namespace {

// Runs `reaper doctor` from PID 1 of a new namespace. Returns {exit status,
// output}. When REAPS, PID 1 reaps every orphan while waiting.
std::vector<std::string> DoctorInNamespace(bool reaps) {
  std::string reaper = reap_testing::Runfile("reaper/reaper");
  return reap_testing::RunInPidNamespace([&]() -> std::vector<std::string> {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) return {"-1", "pipe failed"};
    pid_t pid = fork();
    if (pid == 0) {
      dup2(out[1], 1);
      execl(reaper.c_str(), "reaper", "doctor", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    std::string text;
    int status = -1;
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    bool eof = false;
    while (std::chrono::steady_clock::now() < end) {
      pollfd p = {out[0], POLLIN, 0};
      if (!eof && poll(&p, 1, 5) > 0) {
        char buf[4096];
        ssize_t n = read(out[0], buf, sizeof buf);
        if (n > 0)
          text.append(buf, static_cast<std::size_t>(n));
        else
          eof = true;
      }
      int st = 0;
      pid_t w = waitpid(reaps ? -1 : pid, &st, WNOHANG);
      if (w == pid) status = st;
      if (status != -1 && eof) break;
      if (eof) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    close(out[0]);
    return {std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1), text};
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
  std::string reaper = reap_testing::Runfile("reaper/reaper");
  int out[2];
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  long pid = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, nullptr, nullptr, nullptr, 0);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], 1);
    execl(reaper.c_str(), "reaper", "doctor", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buf[4096];
  pollfd p = {out[0], POLLIN, 0};
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < end && poll(&p, 1, 100) >= 0) {
    if (!(p.revents & (POLLIN | POLLHUP))) continue;
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  close(out[0]);
  int status = 0;
  reap_testing::PollUntil([&] { return waitpid(static_cast<pid_t>(pid), &status, WNOHANG) != 0; },
                          reap_testing::Millis(20000));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 4) << status << "\n" << text;
  EXPECT_NE(text.find("verdict: UNKNOWN"), std::string::npos) << text;
  EXPECT_EQ(text.find("verdict: OK"), std::string::npos) << text;
}

TEST(DoctorTest, ReportsAnInitThatReaps) {
  auto r = DoctorInNamespace(/*reaps=*/true);
  ASSERT_EQ(r.size(), 2u) << (r.empty() ? "" : r[0]);
  EXPECT_EQ(r[0], "0") << r[1];
  EXPECT_NE(r[1].find("exited orphans are reaped: yes"), std::string::npos) << r[1];
  EXPECT_NE(r[1].find("verdict: OK"), std::string::npos) << r[1];
}

}  // namespace
