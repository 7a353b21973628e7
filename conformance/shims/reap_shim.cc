// A server that detaches with reap::Detach: one JSON argv per line on stdin,
// one line back (the PID, or "error: STAGE: WHAT: REASON"). The server-mode
// baseline of the conformance suite. With --latency: the latency mode of
// latency.h (bench/report.sh).
#include <signal.h>

#include <iostream>
#include <string>

#include "conformance/json_argv.h"
#include "conformance/shims/latency.h"
#include "reap/detach.h"

namespace {

int DetachProgram(const char* program, void*) {
  reap::Command cmd;
  cmd.program = program;
  auto id = reap::Detach(cmd);
  if (!id.ok()) std::cerr << "reap::Detach: " << id.error().ToString() << std::endl;
  return id.ok() ? 0 : -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (int status = latency_main(argc, argv, DetachProgram, nullptr); status >= 0) return status;
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
