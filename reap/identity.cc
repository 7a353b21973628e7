#include "reap/identity.h"

#include <errno.h>
#include <signal.h>

#include "reap/proc.h"

namespace reap {

namespace {

// Without a /proc of our own namespace only existence can be known (a
// zombie counts as existing; the start time cannot be compared).
bool ExistsBySignal(pid_t pid) { return kill(pid, 0) == 0 || errno == EPERM; }

}  // namespace

bool IsSameProcess(const Identity& id) {
  if (id.pid <= 0) return false;
  if (!ProcIsThisNamespaces()) return ExistsBySignal(id.pid);
  auto st = ReadProcStat(id.pid);
  if (!st.ok()) return false;
  return id.start_time == 0 || st->start_time == id.start_time;
}

bool IsRunning(const Identity& id) {
  if (id.pid <= 0) return false;
  if (!ProcIsThisNamespaces()) return ExistsBySignal(id.pid);
  auto st = ReadProcStat(id.pid);
  if (!st.ok()) return false;
  if (id.start_time != 0 && st->start_time != id.start_time) return false;
  return !HasExited(st->state);
}

}  // namespace reap
