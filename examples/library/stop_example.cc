// Stop a detached worker by its identity: a recycled PID is never signalled.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <iostream>

#include "reap/detach.h"
#include "reap/handle.h"
#include "reap/subreaper.h"

int main() {
  if (!reap::BecomeSubreaper().ok()) return 1;  // we adopt (and reap) the worker
  reap::Command cmd;
  cmd.program = "sleep";
  cmd.args = {"30"};
  auto id = reap::Detach(cmd);
  if (!id.ok()) return 1;

  // Later, maybe in a restarted server that read PID + start time back:
  auto handle = reap::ProcessHandle::Open(id.value());
  if (!handle.ok()) {  // ESRCH: gone; ESTALE: the PID is someone else's now
    std::cerr << handle.error().ToString() << "\n";
    return 1;
  }
  if (!handle->Signal(SIGTERM).ok()) return 1;
  if (handle->WaitForExit(std::chrono::seconds(5))) std::cout << "worker stopped\n";
  waitpid(id->pid, nullptr, 0);  // it is our adopted child: reap it

  auto again = reap::ProcessHandle::Open(id.value());
  std::cout << (again.ok() ? "still there" : "gone: " + again.error().Message()) << "\n";
  return 0;
}
