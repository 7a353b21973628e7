// Start a worker that outlives the systemd service starting it: in a
// transient scope of its own, with a memory limit. Link @reap//reap:scope.
#include <iostream>

#include "reap/scope.h"

int main() {
  reap::Command worker;
  worker.program = "sleep";
  worker.args = {"30"};
  reap::Scope scope;  // reap-PID.scope, in the manager's default slice
  scope.properties = {{"MemoryMax", "256M"}};

  auto started = reap::DetachIntoScope(worker, scope);
  if (!started.ok()) {
    // e.g. "scope: reap-4711.scope: cannot reach the systemd system manager's
    // bus (No such file or directory): is systemd running?"; the worker was
    // killed, nothing is left.
    std::cerr << "cannot start worker: " << started.error().ToString() << "\n";
    return 1;
  }
  std::cout << "worker pid " << started->id.pid << " in " << started->unit << "\n";
  return 0;
}
