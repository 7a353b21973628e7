// Code that runs between clone and exec, on the caller's thread state (same
// TLS), must not be instrumented by sanitizers: their runtimes intercept
// libc wrappers and keep per-thread state. Such functions are marked
// REAP_CHILD_SIDE and make raw system calls only (see internal/spawn.cc).
#ifndef REAP_REAP_INTERNAL_CHILD_SIDE_H_
#define REAP_REAP_INTERNAL_CHILD_SIDE_H_

#define REAP_CHILD_SIDE __attribute__((no_sanitize("address", "thread", "undefined")))

// The one exception: the /proc/PID/stat parser (proc.cc) runs child-side
// too, but touches nothing but its arguments' memory; it is kept out of
// TSan only, so that its fuzzer runs it with ASan and UBSan.
#define REAP_NO_TSAN __attribute__((no_sanitize("thread")))

#endif  // REAP_REAP_INTERNAL_CHILD_SIDE_H_
