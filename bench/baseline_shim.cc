// The two baselines of the peer table (bench/baselines.h), timed by the
// same latency mode as the shims of the other languages
// (conformance/shims/latency.h):
//   baseline_shim posix_spawn|double_fork --latency MIB REGIME SECONDS PROGRAM
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "bench/baselines.h"
#include "conformance/shims/latency.h"

namespace {

int PosixSpawn(const char* program, void*) {
  pid_t pid = 0;
  int rc = reap_bench::PosixSpawnSetsid(program, &pid);
  if (rc != 0) std::fprintf(stderr, "posix_spawn: %s\n", std::strerror(rc));
  return rc == 0 ? 0 : -1;
}

int DoubleFork(const char* program, void*) {
  if (reap_bench::DoubleFork(program) > 0) return 0;
  std::fprintf(stderr, "double fork: failed\n");
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  latency_detach_fn fn = argc > 1 && std::strcmp(argv[1], "posix_spawn") == 0   ? PosixSpawn
                         : argc > 1 && std::strcmp(argv[1], "double_fork") == 0 ? DoubleFork
                                                                                : nullptr;
  int status = fn != nullptr ? latency_main(argc - 1, argv + 1, fn, nullptr) : -1;
  if (status < 0) {
    std::fprintf(stderr, "usage: %s posix_spawn|double_fork --latency MIB loop|isolated SECONDS PROGRAM\n",
                 argv[0]);
    return 2;
  }
  return status;
}
