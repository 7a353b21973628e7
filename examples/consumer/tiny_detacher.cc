// tiny_detacher CMD ARGS...: detaches CMD with reap and prints its PID.
#include <cstdio>

#include "reap/detach.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: tiny_detacher CMD [ARG...]\n");
    return 2;
  }
  reap::Command c;
  c.program = argv[1];
  c.args.assign(argv + 2, argv + argc);
  auto id = reap::Detach(c);
  if (!id.ok()) {
    std::fprintf(stderr, "tiny_detacher: %s\n", id.error().ToString().c_str());
    return 1;
  }
  std::printf("%d\n", id->pid);
  return 0;
}
