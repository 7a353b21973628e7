// The two baselines every benchmark here compares reap::Detach with, in one
// place for the in-process benchmark and for baseline_shim (the peers' table).
#ifndef REAP_BENCH_BASELINES_H_
#define REAP_BENCH_BASELINES_H_

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace reap_bench {

// posix_spawn with POSIX_SPAWN_SETSID and stdio on /dev/null. Returns once
// the exec happened (glibc reports exec errors synchronously); the command
// stays the caller's child. 0 or an errno value; *PID gets the command's.
inline int PosixSpawnSetsid(const char* program, pid_t* pid) {
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  char* argv[] = {const_cast<char*>(program), nullptr};
  int rc = posix_spawn(pid, program, &fa, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  return rc;
}

// The classic daemon double fork: fork, setsid, fork, exec. The command's
// PID and the exec's errno come back over a close-on-exec pipe (EOF: the
// exec happened); the intermediate is reaped. Its cost grows with the
// caller's page tables. The command's PID, or -1.
inline pid_t DoubleFork(const char* program) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  pid_t mid = fork();
  if (mid == 0) {
    setsid();
    pid_t c = fork();
    if (c == 0) {
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
    ssize_t w = write(p[1], &c, sizeof c);
    (void)w;
    _exit(0);
  }
  close(p[1]);
  pid_t pid = 0;
  int err = 0;
  ssize_t n1 = mid > 0 ? read(p[0], &pid, sizeof pid) : -1;
  ssize_t n2 = mid > 0 ? read(p[0], &err, sizeof err) : -1;  // EOF: exec happened
  close(p[0]);
  if (mid > 0) waitpid(mid, nullptr, 0);
  return n1 == sizeof pid && n2 == 0 ? pid : -1;
}

}  // namespace reap_bench

#endif  // REAP_BENCH_BASELINES_H_
