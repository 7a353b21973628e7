#include "testing/world.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "reap/observe.h"
#include "reap/proc.h"
#include "reap/subreaper.h"

extern char** environ;

namespace reap_testing {

World::World() {
  auto st = reap::BecomeSubreaper();
  if (!st.ok()) {
    std::fprintf(stderr, "World: %s\n", st.error().ToString().c_str());
    std::abort();
  }
}

World::~World() { KillAll(); }

std::vector<pid_t> World::Children() const { return reap::ListChildren(getpid()); }

std::vector<pid_t> World::ZombieChildren() const {
  std::vector<pid_t> out;
  for (pid_t pid : Children()) {
    auto st = reap::ReadProcStat(pid);
    if (st.ok() && st->state == 'Z') out.push_back(pid);
  }
  return out;
}

bool World::AwaitExitAndReap(pid_t pid, Millis deadline, int* status) {
  auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    int st = 0;
    pid_t r = waitpid(pid, &st, WNOHANG | __WALL);
    if (r == pid) {
      if (status) *status = st;
      return true;
    }
    if (r < 0 && errno != EINTR) return errno == ECHILD;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(Millis(1));
  }
}

void World::KillAll() {
  // Every descendant, not only children: orphans of a dying grandchild
  // are still on their way to us, and are killed where they are.
  reap_conformance::Reaps reaps;
  if (!reap_conformance::KillAllDescendants(&reaps, Millis(10000))) {
    std::fprintf(stderr, "World: descendants still present after 10 s\n");
  }
}

RunResult Run(const std::vector<std::string>& argv, Millis deadline,
              const std::vector<std::string>& env_extra) {
  RunResult r;
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    r.err = "pipe failed";
    return r;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  env.insert(env.end(), env_extra.begin(), env_extra.end());
  std::vector<char*> cenv;
  for (auto& e : env) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    r.err = std::string("posix_spawn: ") + std::strerror(rc);
    return r;
  }
  auto end = std::chrono::steady_clock::now() + deadline;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_count = 2;
  while (open_count > 0) {
    auto left = std::chrono::duration_cast<Millis>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    int n = poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    for (auto& p : fds) {
      if (p.fd < 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t got = read(p.fd, buf, sizeof buf);
      if (got > 0) {
        (p.fd == out_pipe[0] ? r.out : r.err).append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        p.fd = -1;
        --open_count;
      }
    }
  }
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  // Bounded: after the deadline the child was SIGKILLed above.
  auto wait_end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() >= wait_end) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      wait_end = std::chrono::steady_clock::now() + Millis(5000);
    }
    std::this_thread::sleep_for(Millis(1));
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

pid_t ForkPausing() {
  pid_t pid = fork();
  if (pid == 0) {
    for (;;) pause();
  }
  return pid;
}

reap::Identity IdentityOf(pid_t pid) {
  reap::Identity id;
  id.pid = pid;
  auto st = reap::ReadProcStat(pid);
  if (st.ok()) id.start_time = st->start_time;
  return id;
}

std::string Runfile(const std::string& rel) {
  const char* srcdir = getenv("TEST_SRCDIR");
  const char* ws = getenv("TEST_WORKSPACE");
  if (srcdir != nullptr) {
    std::string path = std::string(srcdir) + "/" + (ws ? ws : "reap") + "/" + rel;
    if (access(path.c_str(), F_OK) == 0) return path;
  }
  char cwd[4096];
  if (getcwd(cwd, sizeof cwd) != nullptr) return std::string(cwd) + "/" + rel;
  return rel;
}

std::vector<std::string> RunInPidNamespace(const std::function<std::vector<std::string>()>& fn) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return {"harness: pipe failed"};
  // fork-like clone into new PID and mount namespaces.
  long pid = syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, nullptr, nullptr, nullptr, 0);
  if (pid < 0) {
    close(pipefd[0]);
    close(pipefd[1]);
    return {std::string("harness: clone(CLONE_NEWPID): ") + std::strerror(errno)};
  }
  if (pid == 0) {
    close(pipefd[0]);
    std::string out;
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
      out = std::string("harness: mounting /proc in the namespace: ") + std::strerror(errno);
    } else if (getpid() != 1) {
      out = "harness: not pid 1 in the new namespace";
    } else {
      for (const auto& line : fn()) out += line + "\x1e";
    }
    ssize_t w = write(pipefd[1], out.data(), out.size());
    (void)w;
    _exit(0);
  }
  close(pipefd[1]);
  std::string text;
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  pollfd pfd = {pipefd[0], POLLIN, 0};
  bool timed_out = true;
  while (std::chrono::steady_clock::now() < end) {
    if (poll(&pfd, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = read(pipefd[0], buf, sizeof buf);
    if (n > 0) {
      text.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    timed_out = false;
    break;
  }
  close(pipefd[0]);
  if (timed_out) kill(static_cast<pid_t>(pid), SIGKILL);
  int status = 0;
  while (waitpid(static_cast<pid_t>(pid), &status, 0) < 0 && errno == EINTR) {
  }
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end_pos = text.find('\x1e', pos);
    if (end_pos == std::string::npos) end_pos = text.size();
    out.push_back(text.substr(pos, end_pos - pos));
    pos = end_pos + 1;
  }
  if (timed_out) out.push_back("harness: namespace run timed out");
  return out;
}

}  // namespace reap_testing
