#include "reap/subreaper.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/wait.h>

namespace reap {

Status BecomeSubreaper() {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    return OpError("subreaper", errno, "prctl(PR_SET_CHILD_SUBREAPER)");
  }
  return OkStatus();
}

std::vector<Reaped> ReapExited() {
  std::vector<Reaped> out;
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG | __WALL);
    if (pid > 0) {
      out.push_back({pid, status});
      continue;
    }
    if (pid < 0 && errno == EINTR) continue;
    break;  // 0: none exited yet; -1 ECHILD: no children
  }
  return out;
}

}  // namespace reap
