// A server that detaches with reap::Detach: one JSON argv per line on stdin,
// one line back (the PID, or "error: STAGE: WHAT: REASON"). The server-mode
// baseline of the conformance suite.
#include <signal.h>

#include <iostream>
#include <string>

#include "reap/detach.h"
#include "testing/conformance/json_argv.h"

int main() {
  signal(SIGPIPE, SIG_IGN);
  std::string line;
  while (std::getline(std::cin, line)) {
    auto argv = reap_conformance::ParseJsonArgv(line);
    if (!argv || argv->empty()) {
      std::cout << "error: request is not a JSON array of strings" << std::endl;
      continue;
    }
    reap::Command cmd;
    cmd.program = argv->front();
    cmd.args.assign(argv->begin() + 1, argv->end());
    auto id = reap::Detach(cmd);
    if (id.ok()) {
      std::cout << id->pid << std::endl;
    } else {
      std::cout << "error: " << id.error().ToString() << std::endl;
    }
  }
  return 0;
}
