// A recycled PID is never signalled: in a private PID namespace (whose PID 1
// is this test), a process exits and its PID is given to a new process on
// purpose (ns_last_pid); then reap::ProcessHandle is asked to signal the
// old one, through a handle opened before the exit or opened afterwards.
//   RC_PARAMS=max_success=10000 for the 10,000 cases.
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"
#include "reap/handle.h"
#include "reap/proc.h"
#include "testing/world.h"

namespace {

bool StillRunning(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, WNOHANG) != 0) return false;
  auto st = reap::ReadProcStat(pid);
  return st.ok() && !reap::HasExited(st->state);
}

// Waits until the boot clock has passed TICK: a start time is in clock
// ticks, and PID + start time cannot tell two processes apart that got the
// same PID within one tick (that takes pid_max starts within 10 ms, which
// only ns_last_pid, as here, can arrange).
void AfterTick(std::uint64_t tick) {
  long hz = sysconf(_SC_CLK_TCK);
  for (;;) {
    timespec now{};
    clock_gettime(CLOCK_BOOTTIME, &now);
    std::uint64_t ticks =
        static_cast<std::uint64_t>(now.tv_sec) * static_cast<std::uint64_t>(hz) +
        static_cast<std::uint64_t>(now.tv_nsec) / (1000000000ull / static_cast<std::uint64_t>(hz));
    if (ticks > tick) return;
    timespec nap{0, 1000000};
    nanosleep(&nap, nullptr);
  }
}

// One schedule, run as PID 1 of a fresh namespace. Returns violations.
std::vector<std::string> Case(bool open_before_exit, int sig) {
  if (getpid() != 1) return {"harness: not pid 1"};
  pid_t victim = reap_testing::ForkPausing();
  reap::Identity old = reap_testing::IdentityOf(victim);
  std::optional<reap::ProcessHandle> early;
  if (open_before_exit) {
    auto h = reap::ProcessHandle::Open(old);
    if (!h.ok()) return {"harness: open before exit: " + h.error().ToString()};
    early.emplace(std::move(h.value()));
  }
  kill(victim, SIGKILL);
  waitpid(victim, nullptr, 0);
  if (!open_before_exit) AfterTick(old.start_time);
  {
    std::ofstream last("/proc/sys/kernel/ns_last_pid");
    last << (victim - 1);
  }
  pid_t reuser = reap_testing::ForkPausing();
  std::vector<std::string> out;
  if (reuser != victim) {
    out.push_back("harness: pid " + std::to_string(victim) + " was not reused (got " +
                  std::to_string(reuser) + ")");
  } else if (open_before_exit) {
    auto st = early->Signal(sig);
    if (st.ok())
      out.push_back("signal " + std::to_string(sig) + " through a handle of an exited process succeeded");
  } else {
    auto h = reap::ProcessHandle::Open(old);
    if (h.ok()) {
      out.push_back("a handle opened on a recycled pid");
      (void)h->Signal(sig);
    } else if (h.error().err != ESTALE) {
      out.push_back("recycled pid reported as " + h.error().ToString());
    }
  }
  if (reuser > 0 && sig != 0 && !StillRunning(reuser))
    out.push_back("the process that reused the pid was signalled");
  kill(reuser, SIGKILL);
  waitpid(reuser, nullptr, 0);
  return out;
}

RC_GTEST_PROP(PidReuseProperties, RecycledPidIsNeverSignalled, ()) {
  bool open_before_exit = *rc::gen::arbitrary<bool>();
  int sig = *rc::gen::element(0, SIGTERM, SIGKILL, SIGHUP, SIGUSR1);
  auto violations = reap_testing::RunInPidNamespace([&] { return Case(open_before_exit, sig); });
  std::string all;
  for (const auto& v : violations) all += v + "; ";
  RC_ASSERT(all.empty());
}

}  // namespace
