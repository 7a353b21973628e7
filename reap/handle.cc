#include "reap/handle.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>

#include "reap/proc.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

namespace reap {
namespace {

// Whether /proc shows ID's process now: ESRCH gone, ESTALE recycled, 0 yes.
int Check(const Identity& id) {
  auto st = ReadProcStat(id.pid);
  if (!st.ok()) return ESRCH;
  if (id.start_time != 0 && st->start_time != id.start_time) return ESTALE;
  return 0;
}

Error Describe(const Identity& id, int err) {
  std::string reason;
  if (err == ESTALE) {
    auto st = ReadProcStat(id.pid);
    reason = "now belongs to another process";
    if (st.ok()) reason += " (" + st->comm + ", started at tick " + std::to_string(st->start_time) + ")";
    reason += ", not the one started at tick " + std::to_string(id.start_time);
  } else if (err == ESRCH) {
    reason = "not running";
  }
  return OpError("process", err, "pid " + std::to_string(id.pid), reason);
}

}  // namespace

Result<ProcessHandle> ProcessHandle::Open(const Identity& id) {
  if (id.pid <= 0) return OpError("process", EINVAL, "pid " + std::to_string(id.pid), "not a process ID");
  if (!ProcIsThisNamespaces() && id.start_time != 0) {
    return OpError("process", ENOTSUP, "pid " + std::to_string(id.pid),
                   "no /proc of this PID namespace: the start time cannot be checked");
  }
  // The pidfd first, the /proc check second: if the process at the pid has
  // the right start time after the pidfd was opened, it was that process
  // when the pidfd was opened (it cannot have started later).
  int fd = static_cast<int>(syscall(SYS_pidfd_open, id.pid, 0));
  if (fd < 0 && errno != ENOSYS) return Describe(id, errno == ESRCH ? ESRCH : errno);
  if (int why = Check(id); why != 0) {
    if (fd >= 0) close(fd);
    return Describe(id, why);
  }
  return ProcessHandle(id, fd);
}

Status ProcessHandle::Signal(int sig) const {
  if (pidfd_ >= 0) {
    if (syscall(SYS_pidfd_send_signal, pidfd_, sig, nullptr, 0) == 0) return OkStatus();
    return Describe(id_, errno);
  }
  if (int why = Check(id_); why != 0) return Describe(id_, why);
  if (kill(id_.pid, sig) == 0) return OkStatus();
  return Describe(id_, errno);
}

bool ProcessHandle::Exited() const { return WaitForExit(std::chrono::milliseconds(0)); }

bool ProcessHandle::WaitForExit(std::chrono::milliseconds timeout) const {
  using Clock = std::chrono::steady_clock;
  const auto now = Clock::now();
  // Saturate: milliseconds::max() (and anything past the clock's range)
  // means no deadline, not an overflowed one in the past.
  const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::max() - now);
  const auto end = timeout >= room ? Clock::time_point::max() : now + timeout;
  if (pidfd_ >= 0) {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
      pollfd p{pidfd_, POLLIN, 0};
      int n = poll(&p, 1, static_cast<int>(std::clamp<long long>(left, 0, 1000 * 1000)));
      if (n > 0) return true;  // readable: the process has exited
      if (n < 0 && errno != EINTR) return false;
      if (n == 0 && Clock::now() >= end) return false;
    }
  }
  for (;;) {
    auto st = ReadProcStat(id_.pid);
    bool gone = !st.ok() || (id_.start_time != 0 && st->start_time != id_.start_time) || HasExited(st->state);
    if (gone) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

ProcessHandle::~ProcessHandle() {
  if (pidfd_ >= 0) close(pidfd_);
}

}  // namespace reap
