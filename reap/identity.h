// Who a detached process is: a PID alone can be recycled, PID + start time
// cannot (within one boot), except within one clock tick (10 ms): that would
// take pid_max process starts in 10 ms (the property test arranges it only
// with ns_last_pid). A pidfd opened while the process lived (ProcessHandle)
// has no such limit.
#ifndef REAP_REAP_IDENTITY_H_
#define REAP_REAP_IDENTITY_H_

#include <sys/types.h>

#include <cstdint>

namespace reap {

struct Identity {
  pid_t pid = 0;
  // Field 22 of /proc/PID/stat (clock ticks after boot), read by the process
  // itself before exec. 0 when not known: /proc was not readable there, or
  // belonged to another PID namespace (unshare -p without a new /proc).
  std::uint64_t start_time = 0;
  pid_t pgid = 0;  // process group after setsid (== pid: it leads it)
  pid_t sid = 0;   // session after setsid (== pid: it leads it)
};

// True while /proc shows a process with this pid AND this start time (a
// zombie counts: it is still that process). False once it is reaped or the
// PID belongs to someone else. With start_time 0 only the pid is compared.
// Without a /proc of this PID namespace, only whether the pid exists can be
// known (kill(pid, 0)): a recycled pid or a zombie then counts as true.
bool IsSameProcess(const Identity& id);

// True when IsSameProcess and the process is not a zombie (without a /proc
// of this namespace: as IsSameProcess).
bool IsRunning(const Identity& id);

}  // namespace reap

#endif  // REAP_REAP_IDENTITY_H_
