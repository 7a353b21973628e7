// Subreapers: a process that adopts the orphans of its descendants, as init
// would. Needed wherever PID 1 does not reap (containers, these CI machines).
#ifndef REAP_REAP_SUBREAPER_H_
#define REAP_REAP_SUBREAPER_H_

#include <sys/types.h>

#include <vector>

#include "reap/error.h"

namespace reap {

// prctl(PR_SET_CHILD_SUBREAPER, 1) for the calling process.
[[nodiscard]] Status BecomeSubreaper();

struct Reaped {
  pid_t pid;
  int status;  // as from waitpid
};

// Reaps every child (own or adopted) that has already exited, without
// blocking. Returns what was reaped. Note: this also reaps the caller's own
// exited children; callers that wait for specific children of their own
// should reap by PID instead.
std::vector<Reaped> ReapExited();

}  // namespace reap

#endif  // REAP_REAP_SUBREAPER_H_
