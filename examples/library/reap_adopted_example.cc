// A long-running service that detaches workers and reaps them when they
// exit, so no zombie accumulates even where init does not reap.
#include <unistd.h>

#include <iostream>

#include "reap/detach.h"
#include "reap/proc.h"
#include "reap/subreaper.h"

int main() {
  if (!reap::BecomeSubreaper().ok()) return 1;
  reap::Command job;
  job.program = "true";
  for (int i = 0; i < 3; ++i) {
    if (!reap::Detach(job).ok()) return 1;
  }
  // In a real service this runs in the event loop (e.g. on SIGCHLD).
  int reaped = 0;
  for (int tries = 0; tries < 500 && reaped < 3; ++tries) {
    for (const reap::Reaped& r : reap::ReapExited()) {
      std::cout << "reaped " << r.pid << "\n";
      ++reaped;
    }
    usleep(2000);
  }
  return reaped == 3 ? 0 : 1;
}
