// The two baselines of the peer table, timed by the same latency mode as
// the shims of the other languages (testing/conformance/shims/latency.h):
//   baseline_shim posix_spawn|double_fork --latency MIB REGIME SECONDS PROGRAM
// posix_spawn: POSIX_SPAWN_SETSID, stdio on /dev/null; returns after the exec
// (glibc reports exec errors synchronously); the command stays our child.
// double_fork: the classic daemon double fork (fork, setsid, fork, exec), the
// exec's errno back over a close-on-exec pipe, the intermediate reaped.
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "testing/conformance/shims/latency.h"

extern char** environ;

namespace {

int PosixSpawn(const char* program, void*) {
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  char* argv[] = {const_cast<char*>(program), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, program, &fa, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) std::fprintf(stderr, "posix_spawn: %s\n", std::strerror(rc));
  return rc == 0 ? 0 : -1;
}

int DoubleFork(const char* program, void*) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  pid_t mid = fork();
  if (mid == 0) {
    setsid();
    if (fork() == 0) {
      int null = open("/dev/null", O_RDWR);
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
      char* argv[] = {const_cast<char*>(program), nullptr};
      execv(program, argv);
      int e = errno;
      ssize_t w = write(p[1], &e, sizeof e);
      (void)w;
      _exit(127);
    }
    _exit(0);
  }
  close(p[1]);
  int err = 0;
  ssize_t n = mid > 0 ? read(p[0], &err, sizeof err) : -1;  // EOF: exec happened
  close(p[0]);
  if (mid > 0) waitpid(mid, nullptr, 0);
  if (n != 0) std::fprintf(stderr, "double fork: exec failed\n");
  return n == 0 ? 0 : -1;
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
