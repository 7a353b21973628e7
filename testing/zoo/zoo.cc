// zoo: deliberately broken detachers, each wrong in exactly one way, for
// proving that the conformance suite catches them.
//
//   zoo --flaw FLAW [--cgroup DIR] [--] COMMAND [ARG...]
//                                             prints the PID like reaper does
//   zoo --server --flaw FLAW [--cgroup DIR]   a server (conformance server mode):
//                                             one JSON argv per stdin line, the
//                                             PID or "error: ..." per line back
//
// FLAW "none" is a correct classic double fork (fork, setsid, fork, exec,
// PID and exec errno over a close-on-exec pipe, intermediate reaped); every
// other flaw changes one thing:
//   no-setsid              the command stays in the caller's session
//   no-wait                the caller never reaps the intermediate (and lives
//                          on for a while, as a server would)
//   report-intermediate    prints the intermediate's PID
//   pid-before-exec        prints the PID without waiting for the exec
//   leak-fd                does not close inherited descriptors
//   ignore-sigint          the command starts with SIGINT ignored
//   block-signal           the command starts with SIGTERM blocked
//   via-sh                 joins the arguments into a `sh -c` string
//   lingering-intermediate the intermediate stays alive
//   inherit-stdout         the command keeps the caller's stdout
//   leak-high-fd           closes inherited descriptors below 20 only (as
//                          if only 0-16 had been marked close-on-exec)
//   setpgid-only           a new process group instead of a new session
//   supervisor             the intermediate stays, waiting for the command
//   bare-unchecked         for a bare program name, reports the PID without
//                          waiting for the exec
//   return-early           one fork; prints the PID at once, while the
//                          command is still busy (5 ms) before its setsid
//   parent-lingers         one fork; prints the PID after the exec, then
//                          stays the command's parent for 1.5 s
//   slow-intermediate      the intermediate exits 200 ms after the exec (the
//                          caller waits for it): a command that exits at once
//                          is its zombie meanwhile
//   no-cgroup-escape       ignores --cgroup DIR (where every other member moves
//                          the command before its exec): the command stays in
//                          the caller's cgroup
// Server flaws ("none" is a correct double fork per request; no-setsid,
// report-intermediate and the command flaws above apply too):
//   never-reap             one fork per request, never waited for: zombies
//                          pile up and lingering commands stay its children
//   children-stay          one fork per request, reaped by a SIGCHLD handler:
//                          no zombies, but its commands are its children
//   pid-for-failed-exec    replies the PID without waiting for the exec
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "conformance/json_argv.h"

namespace {

std::string g_flaw;
std::string g_cgroup;  // --cgroup: where the command moves itself before exec
bool Flaw(const char* f) { return g_flaw == f; }

bool ReadFull(int fd, void* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, static_cast<char*>(buf) + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

[[noreturn]] void Command(char** argv, int report) {
  // Clean start, unless a flaw says otherwise.
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
  }
  sigset_t none;
  sigemptyset(&none);
  if (Flaw("block-signal")) sigaddset(&none, SIGTERM);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (Flaw("ignore-sigint")) signal(SIGINT, SIG_IGN);
  if (!g_cgroup.empty() && !Flaw("no-cgroup-escape")) {
    int procs = open((g_cgroup + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    if (procs < 0 || write(procs, "0", 1) != 1) {
      int e = errno;
      ssize_t w = write(report, &e, sizeof e);
      (void)w;
      _exit(127);
    }
    close(procs);
  }
  int null = open("/dev/null", O_RDWR);
  dup2(null, 0);
  if (!Flaw("inherit-stdout")) dup2(null, 1);
  dup2(null, 2);
  if (!Flaw("leak-fd")) {
    unsigned end = Flaw("leak-high-fd") ? 19u : ~0u;
    unsigned keep = static_cast<unsigned>(report);
    if (keep > 3) syscall(SYS_close_range, 3u, keep - 1, 0u);
    if (keep < end) syscall(SYS_close_range, keep + 1, end, 0u);
  }
  if (Flaw("via-sh")) {
    std::string line;
    for (char** a = argv; *a; ++a) line += std::string(line.empty() ? "" : " ") + *a;
    execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
  } else if (std::strchr(argv[0], '/') != nullptr) {
    execv(argv[0], argv);  // execvp would run an ENOEXEC file through sh
  } else {
    execvp(argv[0], argv);
  }
  int e = errno;
  ssize_t w = write(report, &e, sizeof e);
  (void)w;
  _exit(127);
}

// One fork: the command is the caller's child until the caller exits.
int OneFork(char** cmd) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return 1;
  pid_t c = fork();
  if (c < 0) return 1;
  if (c == 0) {
    close(p[0]);
    if (Flaw("return-early")) usleep(5000);  // work before setsid
    setsid();
    Command(cmd, p[1]);
  }
  close(p[1]);
  if (Flaw("return-early")) {
    std::printf("%d\n", c);
    return 0;
  }
  int exec_errno = 0;
  if (ReadFull(p[0], &exec_errno, sizeof exec_errno)) {
    std::fprintf(stderr, "zoo: exec %s: %s\n", cmd[0], std::strerror(exec_errno));
    waitpid(c, nullptr, 0);
    return exec_errno == ENOENT ? 127 : 126;
  }
  std::printf("%d\n", c);
  std::fflush(stdout);
  usleep(1500 * 1000);  // parent-lingers: a caller that lives on
  return 0;
}

void ReapAll(int) {
  int saved = errno;
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  errno = saved;
}

// One request of the server: the reply line.
std::string ServeOne(std::vector<std::string>& argv) {
  std::vector<char*> cmd;
  for (auto& a : argv) cmd.push_back(a.data());
  cmd.push_back(nullptr);
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return "error: pipe";
  bool one_fork = Flaw("never-reap") || Flaw("children-stay");
  pid_t first = fork();
  if (first < 0) return "error: fork";
  if (first == 0) {
    close(p[0]);
    if (!Flaw("no-setsid")) setsid();
    if (one_fork) Command(cmd.data(), p[1]);
    pid_t c = fork();
    if (c == 0) Command(cmd.data(), p[1]);
    ssize_t w = write(p[1], &c, sizeof c);
    (void)w;
    _exit(0);
  }
  close(p[1]);
  pid_t pid = first;
  if (!one_fork && !ReadFull(p[0], &pid, sizeof pid)) pid = 0;
  if (Flaw("report-intermediate")) pid = first;
  int exec_errno = 0;
  bool failed = !Flaw("pid-for-failed-exec") && ReadFull(p[0], &exec_errno, sizeof exec_errno);
  close(p[0]);
  if (!one_fork) waitpid(first, nullptr, 0);
  if (pid <= 0) return "error: intermediate died";
  if (failed) return std::string("error: exec: ") + std::strerror(exec_errno);
  return std::to_string(pid);
}

int Serve() {
  signal(SIGPIPE, SIG_IGN);
  if (Flaw("children-stay")) {
    struct sigaction sa {};
    sa.sa_handler = ReapAll;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, nullptr);
  }
  std::string line;
  char ch;
  for (;;) {
    ssize_t n = read(0, &ch, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    if (ch != '\n') {
      line.push_back(ch);
      continue;
    }
    auto argv = reap_conformance::ParseJsonArgv(line);
    line.clear();
    std::string reply = argv && !argv->empty() ? ServeOne(*argv) : "error: not a JSON argv";
    reply += "\n";
    ssize_t w = write(1, reply.data(), reply.size());
    (void)w;
  }
}

}  // namespace

int main(int argc, char** argv) {
  int i = 1;
  bool server = i < argc && std::strcmp(argv[i], "--server") == 0;
  if (server) ++i;
  if (i + 1 < argc && std::strcmp(argv[i], "--flaw") == 0) {
    g_flaw = argv[i + 1];
    i += 2;
  }
  if (i + 1 < argc && std::strcmp(argv[i], "--cgroup") == 0) {
    g_cgroup = argv[i + 1];
    i += 2;
  }
  if (server) return Serve();
  if (i < argc && std::strcmp(argv[i], "--") == 0) ++i;
  if (i >= argc) {
    std::fprintf(stderr, "usage: zoo --flaw FLAW [--] COMMAND [ARG...]\n");
    return 2;
  }
  char** cmd = argv + i;
  if (Flaw("return-early") || Flaw("parent-lingers")) return OneFork(cmd);
  bool unchecked = Flaw("bare-unchecked") && std::strchr(cmd[0], '/') == nullptr;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return 1;
  pid_t intermediate = fork();
  if (intermediate < 0) return 1;
  if (intermediate == 0) {
    close(p[0]);
    if (Flaw("setpgid-only")) {
      setpgid(0, 0);
    } else if (!Flaw("no-setsid")) {
      setsid();
    }
    pid_t c = fork();
    if (c == 0) Command(cmd, p[1]);
    pid_t report = Flaw("report-intermediate") ? getpid() : c;
    ssize_t w = write(p[1], &report, sizeof report);
    (void)w;
    close(p[1]);
    if (Flaw("lingering-intermediate")) sleep(30);
    if (Flaw("supervisor")) waitpid(c, nullptr, 0);
    if (Flaw("slow-intermediate")) usleep(200 * 1000);
    _exit(0);
  }
  close(p[1]);
  pid_t pid = 0;
  bool got_pid = ReadFull(p[0], &pid, sizeof pid);
  if ((Flaw("pid-before-exec") || unchecked) && got_pid) {
    std::printf("%d\n", pid);
    std::fflush(stdout);
    waitpid(intermediate, nullptr, 0);
    return 0;
  }
  int exec_errno = 0;
  bool failed = ReadFull(p[0], &exec_errno, sizeof exec_errno);
  if (!Flaw("no-wait") && !Flaw("lingering-intermediate") && !Flaw("supervisor")) {
    waitpid(intermediate, nullptr, 0);
  }
  if (!got_pid) {
    std::fprintf(stderr, "zoo: intermediate died\n");
    return 1;
  }
  if (failed) {
    std::fprintf(stderr, "zoo: exec %s: %s\n", cmd[0], std::strerror(exec_errno));
    return exec_errno == ENOENT ? 127 : 126;
  }
  std::printf("%d\n", pid);
  std::fflush(stdout);
  if (Flaw("no-wait")) usleep(300 * 1000);  // a caller that lives on
  return 0;
}
