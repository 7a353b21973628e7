#include "conformance/caller.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <thread>

#include "conformance/describe.h"
#include "conformance/processes.h"
#include "reap/internal/kernel_signals.h"
#include "reap/observe.h"
#include "reap/proc.h"

namespace reap_conformance {
namespace {

const int kCallerIgnores[] = {SIGINT, SIGQUIT, SIGPIPE};
const int kCallerBlocks = SIGUSR2;

// The kernel's struct sigaction (not glibc's): a zeroed one is SIG_DFL.

// The worst legal schedule for a detacher that returns before its command
// left the caller's group and session: the caller, D and everything D
// forks share one CPU, and the caller runs first as soon as D's exit wakes
// it (real-time priority that its children do not inherit). Where
// real-time priority is not permitted (an unprivileged user, a user
// namespace such as Bazel's sandbox), D and its children run SCHED_IDLE
// instead, which makes the caller first most of the time (measured: 20-30%
// of setsid -f's commands lost to a hangup, against 97-100% real-time).
int WorstCaseCpuPlacement() {
  cpu_set_t one;
  CPU_ZERO(&one);
  int cpu = sched_getcpu();
  CPU_SET(cpu < 0 ? 0 : cpu, &one);
  sched_setaffinity(0, sizeof one, &one);
  sched_param sp{};
  sp.sched_priority = 1;
  if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) == 0) return kRealTimeCaller;
  return kIdleDetacher;
}
// Sends SIG to every other process of the caller's session.
void SignalSession(int sig) {
  pid_t self = getpid(), sid = getsid(0);
  for (const reap::ProcStat& st : reap::ListProcesses()) {
    if (st.pid != self && st.session == sid) kill(st.pid, sig);
  }
}

// Waits for D, SIGKILLing it if it overruns. A blocking waitpid returns the
// moment D exits (an alarm bounds it); polling would give the command time
// to leave the caller's group before the caller acts.
pid_t g_overrunning_detacher = 0;
void KillOverrunningDetacher(int) { kill(g_overrunning_detacher, SIGKILL); }

int AwaitDetacher(pid_t d) {
  g_overrunning_detacher = d;
  struct sigaction sa {};
  sa.sa_handler = KillOverrunningDetacher;
  sigaction(SIGALRM, &sa, nullptr);
  alarm(
      static_cast<unsigned>(std::chrono::duration_cast<std::chrono::seconds>(kCallerKillsDetacher).count()));
  int status = 127 << 8;
  while (waitpid(d, &status, 0) < 0 && errno == EINTR) {
  }
  alarm(0);
  return status;
}

void NoopHandler(int) {}

}  // namespace

const std::vector<int>& CallerExtraFds() {
  static const std::vector<int> fds = {7, 8, 9, 20, 1000};
  return fds;
}

void BecomeCarelessCaller() {
  setsid();
  // Exactly the caller's extras above 2, whatever the suite had open.
  if (auto fds = reap::ListFds(getpid()); fds.ok()) {
    for (int fd : fds.value()) {
      if (fd > 2) close(fd);
    }
  }
  int highest = CallerExtraFds().back();
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur <= static_cast<rlim_t>(highest)) {
    lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, static_cast<rlim_t>(highest) + 1);
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  for (int fd : CallerExtraFds()) dup2(null, fd);  // dup2 leaves them inheritable
  close(null);
  // Start from a known state, whatever the environment handed us (glibc's
  // own signals 32 and 33 often arrive ignored; only the system call can
  // reset those), so verdicts do not depend on the machine.
  reap::internal::ResetSignalDispositions();
  for (int sig : kCallerIgnores) signal(sig, SIG_IGN);
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, kCallerBlocks);
  sigprocmask(SIG_BLOCK, &block, nullptr);
}

std::string ProgramPath(Program program, const std::string& dir, const SuiteOptions& o) {
  switch (program) {
    case Program::kProbe:
      return o.probe;
    case Program::kMissingPath:
      return dir + "/no-such-program";
    case Program::kMissingBare:  // a name no PATH holds; there is no absolute path for it
      return "reap-conformance-no-such-program-" + std::to_string(getpid());
    case Program::kNotAProgram: {
      // Executable bits, no #! line, not ELF: execve fails with ENOEXEC.
      std::string path = dir + "/not-a-program";
      int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
      static const char kJunk[] = "\x01\x02\x03 not a program\n";
      bool ok = fd >= 0 && write(fd, kJunk, sizeof kJunk - 1) == static_cast<ssize_t>(sizeof kJunk - 1);
      if (fd >= 0) close(fd);
      return ok ? path : "";
    }
  }
  return "";
}

std::vector<std::string> ProbeArgs(const SuiteOptions& o, const std::string& report, long linger_ms,
                                   const std::vector<std::string>& payload) {
  std::vector<std::string> args = o.probe_args;
  for (const std::string& a :
       {std::string("--report"), report, std::string("--linger-ms"), std::to_string(linger_ms)}) {
    args.push_back(a);
  }
  if (!payload.empty()) {
    args.push_back("--");
    args.insert(args.end(), payload.begin(), payload.end());
  }
  return args;
}

std::string CallerSignalsText() {
  std::string caller;
  for (int sig : kCallerIgnores) caller += SignalName(sig) + " ";
  return "the caller ignored " + caller + "and blocked " + SignalName(kCallerBlocks);
}

// G: the caller. A new session, the caller's extra fds (as a careless server
// would have), ignored and blocked signals, then the detacher; waits for it
// and stays until released so its session and group exist during the checks.
[[noreturn]] void CallerMain(const std::vector<std::string>& argv, int out, int err, SharedPage* shared,
                             AtReturn at_return, const CgroupLeaf* cgroup) {
  // The detacher's stdio first, in 0-2 (inherited by D): the caller's extra
  // fds (7, 8, 9, ...) then replace whatever else had those numbers, OUT and
  // ERR included.
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  dup2(null, 0);
  dup2(out, 1);
  dup2(err, 2);
  BecomeCarelessCaller();
  if (cgroup != nullptr && !cgroup->Enter(0).empty()) _exit(126);  // the suite reports it
  // G survives its own hangup; a handler is reset by exec, so D starts with
  // SIGHUP at its default.
  if (at_return == AtReturn::kHangupSession) signal(SIGHUP, NoopHandler);
  bool idle_detacher = false;
  if (at_return != AtReturn::kNothing) {
    shared->cpu_placement.store(WorstCaseCpuPlacement());
    idle_detacher = shared->cpu_placement.load() == kIdleDetacher;
  }
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  // fork + exec, not posix_spawn: glibc's posix_spawn sets its internal
  // signals (32, 33) to SIG_IGN in the child, which would blame every
  // detacher for a state its caller handed it.
  pid_t d = fork();
  if (d == 0) {
    if (idle_detacher) {
      sched_param none{};
      sched_setscheduler(0, SCHED_IDLE, &none);
    }
    execvp(cargv[0], cargv.data());
    _exit(127);
  }
  int status = 127 << 8;
  if (d > 0) {
    shared->detacher.store(d);
    status = AwaitDetacher(d);
  }
  shared->status.store(status);
  shared->done.store(1);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    if (at_return == AtReturn::kKillGroup) kill(0, SIGKILL);  // G too: S sees it die
    if (at_return == AtReturn::kHangupSession) {
      kill(0, SIGHUP);
      SignalSession(SIGHUP);  // members that left the group but not the session
    }
  }
  shared->acted.store(1);
  auto end = Clock::now() + kCallerLifetime;
  while (!shared->release.load() && Clock::now() < end) std::this_thread::sleep_for(Millis(1));
  _exit(0);
}

}  // namespace reap_conformance
