// Start a worker detached, then check on it by identity.
#include <unistd.h>

#include <iostream>

#include "reap/detach.h"
#include "reap/identity.h"
#include "reap/subreaper.h"

int main() {
  // Adopt our detached workers ourselves (an init that does not reap would
  // leave them as zombies when they exit).
  if (auto st = reap::BecomeSubreaper(); !st.ok()) {
    std::cerr << st.error().ToString() << "\n";
    return 1;
  }

  reap::Command worker;
  worker.program = "sleep";  // looked up in PATH
  worker.args = {"1"};
  worker.set_env = {{"WORKER_ID", "7"}};
  worker.stdio[1] = reap::Stdio::File("/dev/null", /*append=*/true);

  auto id = reap::Detach(worker);
  if (!id.ok()) {
    // e.g. "resolve: sleep: No such file or directory"
    std::cerr << "cannot start worker: " << id.error().ToString() << "\n";
    return 1;
  }
  std::cout << "worker pid " << id->pid << ", session " << id->sid << "\n";

  // Later: is it still the same process (not a recycled PID)?
  std::cout << (reap::IsRunning(id.value()) ? "running" : "gone") << "\n";

  // We adopted it, so we reap it when it exits (bounded wait: 5 s).
  for (int tries = 0; tries < 500; ++tries) {
    for (const reap::Reaped& r : reap::ReapExited()) {
      if (r.pid == id->pid) {
        std::cout << "worker exited\n";
        return 0;
      }
    }
    usleep(10000);
  }
  return 1;
}
