// The child side of the clone chain: what the intermediate and the
// command's process run between clone and exec, on the caller's thread
// state (same memory, same TLS). Built as its own target (//reap:child_side)
// without sanitizers, and checked by child_side_test to call no allocator
// and no sanitizer runtime: the build, not a comment, keeps them out.
#ifndef REAP_REAP_INTERNAL_CHILD_H_
#define REAP_REAP_INTERNAL_CHILD_H_

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

#include "reap/error.h"
#include "reap/internal/child_side.h"
#include "reap/internal/spawn.h"

namespace reap {
namespace internal {

constexpr std::size_t kPage = 4096;
// Each child runs on its own 64 KiB stack until exec. The deepest child-side
// path (CommandMain -> SetupStdio/CloseRange with its 2 KiB getdents buffer,
// ReadOwnStat's 1 KiB) needs a few KiB; sanitizer builds need much more, and
// a guard page below each stack turns an overflow into a crash, not a
// corruption of the caller's memory.
constexpr std::size_t kStackSize = 64 * 1024;

// Memory shared by caller, intermediate and command (CLONE_VM): the first
// page of the ChainStacks mapping for CloneViaIntermediate, CloneAsIntermediate's own frame
// for CloneAsIntermediate. Children write; the caller reads after they are done.
struct Shared {
  const SpawnArgs* args;
  char* command_stack_top;  // the command's stack is the kStackSize bytes below
  pid_t command_pid;        // written by the kernel (CLONE_PARENT_SETTID)
  int command_mm_alive;     // 1, zeroed by the kernel (CLONE_CHILD_CLEARTID)
  int failed_stage;         // Stage as int; 0 when nothing failed
  int failed_errno;
  int failed_fd;  // for kKeepFd
  int progress;   // last Stage the command's process entered
  std::uint64_t start_time;
  std::uint64_t boot_ns_before_clone;  // CLOCK_BOOTTIME just before the command's clone; 0 unknown
  pid_t pgid;
  pid_t sid;
};
static_assert(sizeof(Shared) <= kPage, "Shared must fit its page");

// Child-side code (REAP_CHILD_SIDE, internal/child_side.h) runs on the
// caller's thread state (same TLS) between clone and exec. Sanitizer
// runtimes (ASan, TSan) intercept libc wrappers and instrument code with
// per-thread state, so the child makes raw system calls only and the
// functions it runs are not instrumented. One exception, on purpose:
// ParseRawProcStat (reap/proc.cc) is excluded from TSan only (REAP_NO_TSAN,
// child_side.h).
namespace sys {
REAP_CHILD_SIDE inline int Open(const char* path, int flags, mode_t mode = 0) {
  return static_cast<int>(syscall(SYS_openat, AT_FDCWD, path, flags, mode));
}
REAP_CHILD_SIDE inline void Close(int fd) { syscall(SYS_close, fd); }
REAP_CHILD_SIDE inline ssize_t Read(int fd, void* buf, std::size_t n) {
  return syscall(SYS_read, fd, buf, n);
}
REAP_CHILD_SIDE inline int Dup2(int from, int to) {  // from != to
  return static_cast<int>(syscall(SYS_dup3, from, to, 0));
}
REAP_CHILD_SIDE inline int Fcntl(int fd, int cmd, long arg = 0) {
  return static_cast<int>(syscall(SYS_fcntl, fd, cmd, arg));
}
[[noreturn]] REAP_CHILD_SIDE inline void Exit(int code) {
  for (;;) syscall(SYS_exit_group, code);
}

#if defined(__x86_64__)
// System call NR (clone or clone3) with arguments A1..A5. In the child (the
// call returns 0 there, on its new stack) it pops FN and ARG, which the
// caller put at the top of that stack, calls FN(ARG) and exits with its
// result: the child never returns into a frame of the parent's. Returns the
// child's PID or -errno.
REAP_CHILD_SIDE inline long CloneSyscall(long nr, long a1, long a2, long a3, long a4, long a5) {
  register long r10 __asm__("r10") = a4;
  register long r8 __asm__("r8") = a5;
  long ret;
  __asm__ volatile(
      "syscall\n\t"
      "testq %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      // Child: fresh stack, no frame to return to.
      "xorl %%ebp, %%ebp\n\t"
      "popq %%rax\n\t"
      "popq %%rdi\n\t"
      "callq *%%rax\n\t"
      "movl %%eax, %%edi\n\t"
      "movl $231, %%eax\n\t"  // exit_group(fn's result)
      "syscall\n\t"
      "hlt\n\t"
      "1:\n\t"
      : "=a"(ret)
      : "0"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
      : "rcx", "r11", "memory");
  return ret;
}

// Puts FN and ARG where the child pops them: the 16 bytes below STACK_TOP,
// which is then the child's stack pointer. Returns that pointer.
REAP_CHILD_SIDE inline char* PushEntry(int (*fn)(void*), void* arg, char* stack_top) {
  auto** slot = reinterpret_cast<void**>(stack_top) - 2;
  slot[0] = reinterpret_cast<void*>(fn);
  slot[1] = arg;
  return reinterpret_cast<char*>(slot);
}

REAP_CHILD_SIDE inline pid_t PidOrErrno(long ret) {
  if (ret < 0) {
    errno = static_cast<int>(-ret);
    return -1;
  }
  return static_cast<pid_t>(ret);
}
#endif

// clone(2) running FN(ARG) on STACK_TOP in the child. Returns the child's PID
// or -1 with errno. On x86-64 this is a raw system call: glibc's clone() is
// intercepted by sanitizer runtimes, which treat it as a fork and corrupt
// the (shared) thread state. Elsewhere glibc's clone() is used.
REAP_CHILD_SIDE inline pid_t Clone(int (*fn)(void*), char* stack_top, unsigned long flags, void* arg,
                                   pid_t* parent_tid, int* child_tid) {
#if defined(__x86_64__)
  char* sp = PushEntry(fn, arg, stack_top);
  return PidOrErrno(CloneSyscall(SYS_clone, static_cast<long>(flags), reinterpret_cast<long>(sp),
                                 reinterpret_cast<long>(parent_tid), reinterpret_cast<long>(child_tid),
                                 0 /* no TLS change */));
#else
  return clone(fn, stack_top, static_cast<int>(flags), arg, parent_tid, nullptr, child_tid);
#endif
}
}  // namespace sys

// The intermediate (Detach's first clone): creates the command's process,
// waits (CLONE_VFORK) until it execs or exits, reaps it if it never reached
// a successful exec. ARG is the Shared.
REAP_CHILD_SIDE int IntermediateMain(void* arg);

// Creates the command's process on STACK_TOP, in the cgroup of SHARED's
// args when one was asked for. Returns its PID or -1 with errno; *STAGE is
// the stage a failure belongs to.
REAP_CHILD_SIDE pid_t CloneCommand(Shared* shared, char* stack_top, Stage* stage);

}  // namespace internal
}  // namespace reap

#endif  // REAP_REAP_INTERNAL_CHILD_H_
