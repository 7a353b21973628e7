/* The latency mode shared by the C and C++ shims (the Go, Python and Node
 * shims implement the same in their own language):
 *
 *   SHIM --latency MIB REGIME SECONDS PROGRAM
 *
 * touches MIB MiB of memory (the caller's size), makes 3 untimed calls, then
 * times calls that start PROGRAM (no arguments) with the shim's detach API,
 * until SECONDS have passed (at least 10 calls, at most 300), and prints one
 * line per call: its latency in nanoseconds (CLOCK_MONOTONIC around the call
 * alone). REGIME says what happens between calls, untimed:
 *   loop      nothing but reaping what has exited (calls back to back);
 *   isolated  wait until the command has exited, then sleep 2 ms, so every
 *             call starts on an idle machine.
 * The shim is a subreaper in this mode: a command whose detacher forked
 * twice comes back to it and is waited for like any other. Errors go to
 * stderr, exit status 1. bench/report.sh runs this for every API. */
#ifndef REAP_CONFORMANCE_SHIMS_LATENCY_H_
#define REAP_CONFORMANCE_SHIMS_LATENCY_H_

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Starts PROGRAM detached; returns 0 on success, -1 (with a message on
 * stderr) on failure. */
typedef int (*latency_detach_fn)(const char* program, void* context);

static long long latency_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void latency_on_alarm(int sig) { (void)sig; }

/* Waits (blocking, at most 10 s) until no child is left, own or adopted. */
static void latency_await_no_children(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = latency_on_alarm; /* no SA_RESTART: the wait returns EINTR */
  sigaction(SIGALRM, &sa, NULL);
  alarm(10);
  for (;;) {
    pid_t pid = waitpid(-1, NULL, __WALL);
    if (pid > 0) continue;
    if (errno == EINTR) fprintf(stderr, "latency: a command still runs after 10 s\n");
    break; /* ECHILD: none left */
  }
  alarm(0);
}

static void latency_reap_exited(void) {
  while (waitpid(-1, NULL, WNOHANG | __WALL) > 0) {
  }
}

/* Runs the latency mode when argv[1] is --latency; returns -1 otherwise (the
 * shim then runs as a server), else the exit status. */
static int latency_main(int argc, char** argv, latency_detach_fn detach, void* context) {
  if (argc < 2 || strcmp(argv[1], "--latency") != 0) return -1;
  if (argc != 6) {
    fprintf(stderr, "usage: %s --latency MIB loop|isolated SECONDS PROGRAM\n", argv[0]);
    return 1;
  }
  long mib = atol(argv[2]);
  int isolated = strcmp(argv[3], "isolated") == 0;
  double seconds = atof(argv[4]);
  const char* program = argv[5];
  if (mib < 0 || (!isolated && strcmp(argv[3], "loop") != 0) || seconds <= 0) {
    fprintf(stderr, "latency: bad arguments\n");
    return 1;
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    perror("latency: prctl(PR_SET_CHILD_SUBREAPER)");
    return 1;
  }
  size_t bytes = (size_t)mib << 20;
  char* ballast = bytes != 0 ? (char*)malloc(bytes) : NULL;
  if (bytes != 0 && ballast == NULL) {
    fprintf(stderr, "latency: cannot allocate %ld MiB\n", mib);
    return 1;
  }
  if (bytes != 0) {
    memset(ballast, 1, bytes);                        /* resident now */
    __asm__ volatile("" : : "r"(ballast) : "memory"); /* and not optimized away */
  }
  enum { kWarmup = 3, kMin = 10, kMax = 300 };
  static long long samples[kMax];
  int n = 0;
  long long deadline = latency_now_ns() + (long long)(seconds * 1e9);
  for (int i = 0; i < kWarmup + kMax; ++i) {
    if (i >= kWarmup + kMin && latency_now_ns() > deadline) break;
    long long t0 = latency_now_ns();
    if (detach(program, context) != 0) return 1;
    long long t1 = latency_now_ns();
    if (i >= kWarmup) samples[n++] = t1 - t0;
    if (isolated) {
      latency_await_no_children();
      usleep(2000);
    } else {
      latency_reap_exited();
    }
  }
  latency_await_no_children();
  for (int i = 0; i < n; ++i) printf("%lld\n", samples[i]);
  free(ballast);
  return fflush(stdout) == 0 ? 0 : 1;
}

#endif /* REAP_CONFORMANCE_SHIMS_LATENCY_H_ */
