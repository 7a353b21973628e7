#include "reap/identity.h"

#include "reap/proc.h"

namespace reap {

bool IsSameProcess(const Identity& id) {
  if (id.pid <= 0) return false;
  auto st = ReadProcStat(id.pid);
  if (!st.ok()) return false;
  return id.start_time == 0 || st->start_time == id.start_time;
}

bool IsRunning(const Identity& id) {
  if (id.pid <= 0) return false;
  auto st = ReadProcStat(id.pid);
  if (!st.ok()) return false;
  if (id.start_time != 0 && st->start_time != id.start_time) return false;
  return st->state != 'Z' && st->state != 'X';
}

}  // namespace reap
