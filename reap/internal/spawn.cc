// The clone chain of one detach: caller -> intermediate -> command
// (Detach), or caller -> command when the caller is about to exit and plays
// the intermediate itself (DetachAsIntermediate; then the command's stack is
// an array in the caller's frame and the caller reaps a command that failed).
//
// Hazards, and how this file handles each:
// - Copying the caller. fork() copies page tables, so its cost grows with
//   the caller's memory. Every clone uses CLONE_VM|CLONE_VFORK (the
//   posix_spawn technique): no copy, and each parent sleeps until its child
//   execs or exits, so only one of the three runs at a time in the shared
//   address space. Each child runs on its own stack: in a private mapping
//   kept per thread (Detach), or in the caller's frame (DetachAsIntermediate).
// - Shared memory. Between clone and exec the children share the caller's
//   memory: they only read SpawnArgs (prepared by the caller), write the
//   Shared block, and call raw system calls. No allocation, lock, stdio or
//   exception. errno is the caller thread's (same TLS); it is clobbered.
// - Knowing the PID. CLONE_PARENT_SETTID makes the kernel store the
//   command's PID in Shared before that process runs, so the caller learns it
//   even if the intermediate is killed right after the clone.
// - Knowing when the command is done with our memory. CLONE_CHILD_CLEARTID
//   makes the kernel zero a futex word and wake it when the command's memory
//   is released: at exec or at exit. The caller waits on that word before it
//   reads the outcome or unmaps the stacks, even if the intermediate died.
//   No pipe is involved, so no descriptor can leak into a fork made by
//   another thread of the caller.
// - Signals. All signals are blocked (raw syscall, glibc's internal ones
//   too) before the first clone, so no handler of the caller runs on a child
//   stack. The command resets every disposition to SIG_DFL, then unblocks
//   everything just before execve; signals pending from the blocked window
//   are delivered then and are seen as "died before exec". Only a signal
//   arriving in the few instructions between that point and execve's entry,
//   or between a failed execve and its failure report, makes the process
//   look started although it died.
// - Zombies. The intermediate is created with exit signal 0: the caller's
//   SIGCHLD handler and waitpid(-1) never see it (and SIG_IGN on SIGCHLD does
//   not auto-reap it); Detach reaps it by PID with __WALL. The intermediate
//   reaps a command that failed before exec; a command that execs is left to
//   the nearest subreaper or init.
// - Descriptors. The command closes every fd >= 3 but keep_fds with
//   close_range (fallbacks: getdents64 over /proc/self/fd, then a bounded
//   loop) before it opens its stdio files (O_NOCTTY), so a caller at its fd
//   limit can still detach. The caller opens nothing, so no fd of one call
//   reaches another.
// - EINTR. waitpid and read are retried; close is never retried.
// - Cgroups. With Command::cgroup the command's process is created inside
//   that cgroup by clone3(CLONE_INTO_CGROUP) from an fd the caller opened:
//   it never runs in the caller's cgroup, so no kill of that cgroup can
//   catch it between the clone and a later move. The intermediate stays in
//   the caller's cgroup (it is gone before Detach returns).
// - PID reuse. The returned identity carries the command's start time, known
//   before exec, so it is exact even if the command exits at once. The
//   kernel stamps a new process with CLOCK_BOOTTIME in the clone call and
//   /proc/PID/stat shows that stamp in clock ticks (10 ms). Its parent reads
//   the clock just before the clone and the command just after: when both
//   readings fall in one tick (all but about 1 call in 500), that tick is the
//   start time. Otherwise the command reads /proc/self/stat, which costs a
//   fresh process about 15 us (its /proc entries are built on first use).
#include "reap/internal/spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#include "reap/internal/fault.h"
#include "reap/internal/kernel_signals.h"
#include "reap/internal/raw_proc.h"
#include "reap/proc.h"

#ifndef __NR_close_range
#define __NR_close_range 436
#endif

namespace reap {
namespace internal {
namespace {

constexpr std::size_t kPage = 4096;
// Each child runs on its own 64 KiB stack until exec. The deepest child-side
// path (CommandMain -> SetupStdio/CloseRange with its 2 KiB getdents buffer,
// ReadOwnStat's 1 KiB) needs a few KiB; sanitizer builds need much more, and
// a guard page below each stack turns an overflow into a crash, not a
// corruption of the caller's memory.
constexpr std::size_t kStackSize = 64 * 1024;

// Memory shared by caller, intermediate and command (CLONE_VM): the first
// page of the ChainStacks mapping for SpawnChain, SpawnDirect's own frame
// for SpawnDirect. Children write; the caller reads after they are done.
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

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

// struct clone_args of clone3(2), up to `cgroup` (Linux 5.7).
struct CloneArgs {
  std::uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
      set_tid_size, cgroup;
};

// clone3(2) with CLONE_INTO_CGROUP: the child, created in the cgroup
// CGROUP_FD, runs FN(ARG) on the KStackSize bytes below STACK_TOP. FLAGS
// are clone(2)'s without the exit signal, which is SIGCHLD. Returns the
// child's PID, or -1 with errno (ENOSYS off x86-64 and before Linux 5.3).
REAP_CHILD_SIDE inline pid_t CloneIntoCgroup(int (*fn)(void*), char* stack_top, unsigned long flags,
                                             void* arg, pid_t* parent_tid, int* child_tid, int cgroup_fd) {
#if defined(__x86_64__)
  // As in Clone: the child starts with rsp = stack + stack_size, at FN and ARG.
  char* sp = sys::PushEntry(fn, arg, stack_top);
  char* low = stack_top - kStackSize;
  CloneArgs ca{};
  ca.flags = flags | CLONE_INTO_CGROUP;
  ca.child_tid = reinterpret_cast<std::uint64_t>(child_tid);
  ca.parent_tid = reinterpret_cast<std::uint64_t>(parent_tid);
  ca.exit_signal = SIGCHLD;
  ca.stack = reinterpret_cast<std::uint64_t>(low);
  ca.stack_size = static_cast<std::uint64_t>(sp - low);
  ca.cgroup = static_cast<std::uint64_t>(cgroup_fd);
  return sys::PidOrErrno(sys::CloneSyscall(SYS_clone3, reinterpret_cast<long>(&ca), sizeof ca, 0, 0, 0));
#else
  (void)fn, (void)stack_top, (void)flags, (void)arg, (void)parent_tid, (void)child_tid, (void)cgroup_fd;
  errno = ENOSYS;
  return -1;
#endif
}

// Creates the command's process (CommandMain) on STACK_TOP, in the cgroup
// of SHARED's args when one was asked for. Returns its PID or -1 with errno;
// *STAGE is the stage a failure belongs to.
REAP_CHILD_SIDE pid_t CloneCommand(Shared* shared, char* stack_top, Stage* stage);

[[noreturn]] REAP_CHILD_SIDE void FailAndExit(Shared* shared, Stage stage, int err) {
  shared->failed_errno = err;
  shared->failed_stage = static_cast<int>(stage);
  sys::Exit(127);
}

// CLOCK_BOOTTIME in nanoseconds (raw system call), 0 if unavailable.
REAP_CHILD_SIDE std::uint64_t BootNs() {
  struct timespec ts;
  if (syscall(SYS_clock_gettime, CLOCK_BOOTTIME, &ts) != 0) return 0;
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

// Reads the command process's own identity. Best effort: /proc may be absent.
REAP_CHILD_SIDE void ReadOwnStat(Shared* shared) {
  int fd = sys::Open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[1024];
  std::size_t len = 0;
  while (len < sizeof buf) {
    ssize_t n = sys::Read(fd, buf + len, sizeof buf - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += static_cast<std::size_t>(n);
  }
  sys::Close(fd);
  RawProcStat st;
  // A /proc of another PID namespace (unshare -p without a new /proc) shows
  // this process under another number: its start time could not be checked
  // against /proc/PID later, so it stays 0 ("not known").
  if (ParseRawProcStat(buf, len, &st) && st.pid == static_cast<pid_t>(syscall(SYS_getpid))) {
    shared->start_time = st.start_time;
  }
}

// The command's start time (see "PID reuse" above). BOOT_NS_NOW was read
// first thing in the command's process.
REAP_CHILD_SIDE void FindStartTime(Shared* shared, const SpawnArgs& args, std::uint64_t boot_ns_now) {
  if (!args.proc_is_ours) return;  // 0: not known
  const std::uint64_t before = shared->boot_ns_before_clone;
  if (args.ns_per_tick != 0 && before != 0 && boot_ns_now != 0 &&
      before / args.ns_per_tick == boot_ns_now / args.ns_per_tick) {
    shared->start_time = boot_ns_now / args.ns_per_tick;
    return;
  }
  ReadOwnStat(shared);
}

REAP_CHILD_SIDE void SetupStdio(const SpawnArgs& args, Shared* shared) {
  for (int target = 0; target < 3; ++target) {
    const SpawnStdio& s = args.stdio[target];
    Stage stage = static_cast<Stage>(static_cast<int>(Stage::kStdin) + target);
    shared->progress = static_cast<int>(stage);
    if (s.mode == SpawnStdio::kInherit) {
      // Keep the caller's fd even if it is close-on-exec there.
      int flags = sys::Fcntl(target, F_GETFD);
      if (flags >= 0 && (flags & FD_CLOEXEC)) sys::Fcntl(target, F_SETFD, 0);
      continue;
    }
    if (s.mode == SpawnStdio::kSameAsStdout) {
      if (sys::Dup2(1, target) < 0) FailAndExit(shared, stage, errno);
      continue;
    }
    // /dev/null can be opened straight into its slot (the lowest free
    // number once the slot is closed, as every lower one is set up). A
    // caller's file is opened first: its path may name the caller's fd
    // (/dev/stderr).
    if (s.mode == SpawnStdio::kNull) sys::Close(target);
    int fd = sys::Open(s.path, s.flags, 0666);
    if (fd < 0) FailAndExit(shared, stage, errno);
    if (fd != target) {
      if (sys::Dup2(fd, target) < 0) FailAndExit(shared, stage, errno);
      sys::Close(fd);
    }
  }
}

// Closes [lo, hi] with close_range, falling back to /proc/self/fd, then to a
// loop bounded by RLIMIT_NOFILE.
REAP_CHILD_SIDE void CloseRange(unsigned lo, unsigned hi) {
  if (lo > hi) return;
  if (syscall(__NR_close_range, lo, hi, 0) == 0) return;
  int dir = sys::Open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    alignas(8) char buf[2048];
    for (;;) {
      long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
      if (n <= 0) break;
      for (long off = 0; off < n;) {
        auto* d = reinterpret_cast<struct dirent64*>(buf + off);
        off += d->d_reclen;
        unsigned fd = 0;
        bool digits = d->d_name[0] != '\0';
        for (const char* p = d->d_name; *p; ++p) {
          if (*p < '0' || *p > '9') {
            digits = false;
            break;
          }
          fd = fd * 10 + static_cast<unsigned>(*p - '0');
        }
        if (digits && fd >= lo && fd <= hi && static_cast<int>(fd) != dir) {
          sys::Close(static_cast<int>(fd));
        }
      }
    }
    sys::Close(dir);
    return;
  }
  // No close_range and no /proc: a loop. The soft limit is not a bound (an
  // fd opened before it was lowered stays open), so take the larger of the
  // soft and hard limits, capped at the kernel's default fs.nr_open (2^20):
  // only a raised fs.nr_open and a hard limit lowered below an open fd can
  // still leave one open. Closing 2^20 unused numbers takes about 0.1 s.
  constexpr unsigned kNrOpenDefault = 1u << 20;
  struct rlimit rl;
  unsigned limit = kNrOpenDefault;
  if (syscall(SYS_getrlimit, RLIMIT_NOFILE, &rl) == 0) {
    rlim_t most = rl.rlim_cur > rl.rlim_max ? rl.rlim_cur : rl.rlim_max;
    if (most != RLIM_INFINITY && most < kNrOpenDefault) limit = static_cast<unsigned>(most);
  }
  for (unsigned fd = lo; fd <= hi && fd < limit; ++fd) sys::Close(static_cast<int>(fd));
}

REAP_CHILD_SIDE void CloseFdsExcept(const SpawnArgs& args) {
  unsigned lo = 3;
  for (std::size_t i = 0; i < args.keep_count; ++i) {
    unsigned keep = static_cast<unsigned>(args.keep_fds[i]);
    if (keep > lo) CloseRange(lo, keep - 1);
    lo = keep + 1;
  }
  CloseRange(lo, ~0u);
}

// The command's process: from the second clone to execve.
REAP_CHILD_SIDE int CommandMain(void* p) {
  const std::uint64_t boot_ns_at_start = BootNs();
  auto* shared = static_cast<Shared*>(p);
  const SpawnArgs& args = *shared->args;

  shared->progress = static_cast<int>(Stage::kSetsid);
  if (!DefectActive(Defect::kSkipSetsid) && syscall(SYS_setsid) < 0)
    FailAndExit(shared, Stage::kSetsid, errno);
  // From the system calls, not /proc: right in any PID namespace.
  shared->pgid = static_cast<pid_t>(syscall(SYS_getpgid, 0));
  shared->sid = static_cast<pid_t>(syscall(SYS_getsid, 0));
  FindStartTime(shared, args, boot_ns_at_start);

  shared->progress = static_cast<int>(Stage::kSignals);
  ResetSignalDispositions();
  if (args.umask >= 0) syscall(SYS_umask, args.umask);

  shared->progress = static_cast<int>(Stage::kKeepFd);
  for (std::size_t i = 0; i < args.keep_count; ++i) {
    int fd = args.keep_fds[i];
    int flags = sys::Fcntl(fd, F_GETFD);
    if (flags < 0) {
      shared->failed_fd = fd;
      FailAndExit(shared, Stage::kKeepFd, errno);
    }
    if ((flags & FD_CLOEXEC) && sys::Fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) {
      shared->failed_fd = fd;
      FailAndExit(shared, Stage::kKeepFd, errno);
    }
  }

  // Close before opening the stdio files: a caller at its fd limit can
  // still detach (the opens reuse the numbers just freed).
  shared->progress = static_cast<int>(Stage::kCloseFds);
  if (!DefectActive(Defect::kLeakFd)) CloseFdsExcept(args);

  SetupStdio(args, shared);

  if (args.has_user) {
    // Groups first, uid last (once the uid is dropped, the rest is denied).
    shared->progress = static_cast<int>(Stage::kUser);
    if (syscall(SYS_setgroups, args.group_count, args.groups) < 0) FailAndExit(shared, Stage::kUser, errno);
    if (syscall(SYS_setresgid, args.gid, args.gid, args.gid) < 0) FailAndExit(shared, Stage::kUser, errno);
    if (syscall(SYS_setresuid, args.uid, args.uid, args.uid) < 0) FailAndExit(shared, Stage::kUser, errno);
  }

  if (args.cwd != nullptr) {
    shared->progress = static_cast<int>(Stage::kChdir);
    if (syscall(SYS_chdir, args.cwd) < 0) FailAndExit(shared, Stage::kChdir, errno);
  }

  REAP_FAULT_POINT(kChildBeforeExec);
  std::uint64_t empty[(_NSIG + 63) / 64] = {};
  if (DefectActive(Defect::kBlockSignal)) empty[0] |= 1ull << (SIGTERM - 1);
  // Signals that arrived while blocked are delivered here. Record kExec only
  // afterwards, so a process they kill is reported lost, not started.
  RawSigprocmask(SIG_SETMASK, empty, nullptr);
  __atomic_store_n(&shared->progress, static_cast<int>(Stage::kExec), __ATOMIC_RELEASE);
  syscall(SYS_execve, args.path, args.argv, args.envp);
  int err = errno;
  BlockAllSignals(nullptr);
  FailAndExit(shared, Stage::kExec, err);
}

// The intermediate: creates the command's process, waits (CLONE_VFORK) until
// it execs or exits, reaps it if it never reached a successful exec.
REAP_CHILD_SIDE int IntermediateMain(void* p) {
  auto* shared = static_cast<Shared*>(p);
  REAP_FAULT_POINT(kIntermediateBeforeClone);
  Stage stage = Stage::kClone;
  pid_t pid = CloneCommand(shared, shared->command_stack_top, &stage);
  if (pid < 0) FailAndExit(shared, stage, errno);
  if (shared->failed_stage != 0 || shared->progress != static_cast<int>(Stage::kExec)) {
    while (syscall(SYS_wait4, pid, nullptr, __WALL, nullptr) < 0 && errno == EINTR) {
    }
  }
  sys::Exit(0);
}

REAP_CHILD_SIDE pid_t CloneCommand(Shared* shared, char* stack_top, Stage* stage) {
  const unsigned long flags = CLONE_VM | CLONE_VFORK | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
  shared->boot_ns_before_clone = BootNs();
  const int cgroup_fd = shared->args->cgroup_fd;
  if (cgroup_fd >= 0) {
    *stage = Stage::kCgroup;
    return CloneIntoCgroup(CommandMain, stack_top, flags, shared, &shared->command_pid,
                           &shared->command_mm_alive, cgroup_fd);
  }
  *stage = Stage::kClone;
  return sys::Clone(CommandMain, stack_top, flags | SIGCHLD, shared, &shared->command_pid,
                    &shared->command_mm_alive);
}

void WaitUntilReleased(int* word) {
  while (__atomic_load_n(word, __ATOMIC_ACQUIRE) != 0) {
    struct timespec ts = {0, 50 * 1000 * 1000};  // re-check even if a wake is missed
    syscall(SYS_futex, word, FUTEX_WAIT, 1, &ts, nullptr, 0);
  }
}

// The program the command runs, as the caller named it.
std::string ProgramName(const SpawnArgs& args) { return args.argv[0] != nullptr ? args.argv[0] : args.path; }

// "CALL: strerror(ERR)": the reason of a failed system call that has no
// object of its own.
std::string CallFailed(const char* call, int err) { return std::string(call) + ": " + std::strerror(err); }

Error ChildError(const Shared& shared, const SpawnArgs& args) {
  Stage stage = static_cast<Stage>(shared.failed_stage);
  Error e = StageError(stage, shared.failed_errno, {});
  switch (stage) {
    case Stage::kStdin:
    case Stage::kStdout:
    case Stage::kStderr: {
      const SpawnStdio& s = args.stdio[static_cast<int>(stage) - static_cast<int>(Stage::kStdin)];
      e.what = s.path != nullptr ? s.path : "";
      break;
    }
    case Stage::kUser:
      e.what = "uid " + std::to_string(args.uid) + " gid " + std::to_string(args.gid);
      break;
    case Stage::kChdir:
      e.what = args.cwd != nullptr ? args.cwd : "";
      break;
    case Stage::kKeepFd:
      e.what = "fd " + std::to_string(shared.failed_fd);
      break;
    case Stage::kExec:
      e.what = ProgramName(args);
      break;
    case Stage::kCgroup:
      e.what = args.cgroup_path != nullptr ? args.cgroup_path : "";
      break;
    default:
      break;
  }
  return e;
}

// The result once the command's process has released our memory (it execed
// or died). `intermediate` is reported instead of the command's PID only
// under the report_intermediate_pid defect (fault.h).
Result<Identity> Outcome(const Shared& shared, const SpawnArgs& args, pid_t cpid, pid_t intermediate) {
  if (shared.failed_stage != 0) return ChildError(shared, args);
  if (shared.progress != static_cast<int>(Stage::kExec)) {
    return StageError(Stage::kLost, ESRCH, ProgramName(args),
                      std::string("its process died during ") +
                          StageName(static_cast<Stage>(shared.progress)) + ", before its exec");
  }
  REAP_FAULT_POINT(kAfterExecBeforeReport);
  Identity id;
  id.pid = DefectActive(Defect::kReportIntermediatePid) ? intermediate : cpid;
  id.start_time = shared.start_time;
  id.pgid = shared.pgid;
  id.sid = shared.sid;
  return id;
}

// caller_is_intermediate: one clone; the command is the caller's child,
// running on STACK_TOP (see SpawnDirectOnFrame). A command that never
// reached a successful exec is reaped here.
Result<Identity> SpawnDirect(const SpawnArgs& args, char* stack_top) {
  Shared shared{};
  shared.args = &args;
  shared.command_mm_alive = 1;
  KernelSigset old;
  if (BlockAllSignals(&old) != 0)
    return StageError(Stage::kSetup, errno, {}, CallFailed("sigprocmask", errno));
  REAP_FAULT_POINT(kBeforeFirstClone);
  Stage stage = Stage::kClone;
  pid_t cpid = CloneCommand(&shared, stack_top, &stage);
  int clone_errno = errno;
  RawSigprocmask(SIG_SETMASK, old, nullptr);
  if (cpid < 0) {
    if (stage == Stage::kCgroup) return StageError(stage, clone_errno, args.cgroup_path);
    return StageError(stage, clone_errno, ProgramName(args), CallFailed("clone", clone_errno));
  }
  WaitUntilReleased(&shared.command_mm_alive);
  Result<Identity> result = Outcome(shared, args, cpid, getpid());
  if (!result.ok()) {
    while (waitpid(cpid, nullptr, __WALL) < 0 && errno == EINTR) {
    }
  }
  REAP_FAULT_POINT(kBeforeReturn);
  return result;
}

// The mapping SpawnChain runs the children on:
//   [Shared][guard][intermediate stack][guard][command stack]
// Made on a thread's first Detach and kept until the thread exits. Unmapping
// it after every call would cost a TLB shootdown (an interrupt to each CPU
// the children ran on, slow to deliver to an idle virtual CPU) and fresh
// page faults on the next call. Spawn returns only after both children are
// done with it, so consecutive calls of one thread never overlap on it.
class ChainStacks {
 public:
  static constexpr std::size_t kTotal = kPage + 2 * (kPage + kStackSize);
  ChainStacks() = default;
  ChainStacks(const ChainStacks&) = delete;
  ChainStacks& operator=(const ChainStacks&) = delete;
  ~ChainStacks() {
    if (base_ != nullptr) munmap(base_, kTotal);
  }
  // The mapping, or an Error (stage kSetup) if it cannot be made.
  Result<char*> Get() {
    if (base_ != nullptr) return base_;
    void* map = mmap(nullptr, kTotal, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (map == MAP_FAILED) return StageError(Stage::kSetup, errno, {}, CallFailed("mmap", errno));
    char* base = static_cast<char*>(map);
    if (mprotect(base + kPage, kPage, PROT_NONE) != 0 ||
        mprotect(base + 2 * kPage + kStackSize, kPage, PROT_NONE) != 0) {
      int e = errno;
      munmap(map, kTotal);
      return StageError(Stage::kSetup, e, {}, CallFailed("mprotect", e));
    }
    base_ = base;
    return base_;
  }

 private:
  char* base_ = nullptr;
};
thread_local ChainStacks t_chain_stacks;

// Detach: caller -> intermediate -> command, on this thread's ChainStacks.
Result<Identity> SpawnChain(const SpawnArgs& args) {
  auto mapping = t_chain_stacks.Get();
  if (!mapping.ok()) return mapping.error();
  char* base = mapping.value();
  char* intermediate_stack = base + 2 * kPage;
  char* command_stack = intermediate_stack + kStackSize + kPage;
  auto* shared = new (base) Shared{};
  shared->args = &args;
  shared->command_stack_top = command_stack + kStackSize;
  shared->command_mm_alive = 1;

  KernelSigset old;
  if (BlockAllSignals(&old) != 0)
    return StageError(Stage::kSetup, errno, {}, CallFailed("sigprocmask", errno));
  REAP_FAULT_POINT(kBeforeFirstClone);
  // Exit signal 0: nobody but us can wait for the intermediate. It shares
  // our descriptor table and filesystem context (it opens and changes
  // nothing), so the only copy of the table is the command's, and the
  // intermediate's exit has none to tear down.
  pid_t ipid = sys::Clone(IntermediateMain, intermediate_stack + kStackSize,
                          CLONE_VM | CLONE_VFORK | CLONE_FILES | CLONE_FS, shared, nullptr, nullptr);
  int clone_errno = errno;
  RawSigprocmask(SIG_SETMASK, old, nullptr);
  if (ipid < 0) return StageError(Stage::kIntermediate, clone_errno, {}, CallFailed("clone", clone_errno));

  int status = 0;
  if (!DefectActive(Defect::kNoReapIntermediate)) {
    while (waitpid(ipid, &status, __WALL) < 0 && errno == EINTR) {
    }
  }
  const pid_t cpid = __atomic_load_n(&shared->command_pid, __ATOMIC_ACQUIRE);
  auto result = [&]() -> Result<Identity> {
    if (cpid != 0) {
      WaitUntilReleased(&shared->command_mm_alive);
      return Outcome(*shared, args, cpid, ipid);
    }
    if (shared->failed_stage != 0) return ChildError(*shared, args);
    std::string why = "the intermediate process died";
    if (WIFSIGNALED(status)) why += " (signal " + std::to_string(WTERMSIG(status)) + ")";
    return StageError(Stage::kIntermediate, ESRCH, {}, why + " before the command's process was made");
  }();
  REAP_FAULT_POINT(kBeforeReturn);
  return result;
}

// The command's stack as an array in this frame: the calling thread sleeps
// (CLONE_VFORK) until the command execs or dies, so nothing else uses that
// memory, and no mapping has to be made and unmapped (an unmap after another
// CPU ran on it costs a TLB shootdown).
__attribute__((noinline)) Result<Identity> SpawnDirectOnFrame(const SpawnArgs& args) {
  alignas(64) char stack[kStackSize];
  return SpawnDirect(args, stack + sizeof stack);
}

// Whether this thread's stack has room for SpawnDirectOnFrame. The main
// thread's stack grows up to RLIMIT_STACK; another thread's is fixed, and
// may be as small as 16 KiB (PTHREAD_STACK_MIN). Cached per thread.
bool FrameHasRoomForAStack() {
  constexpr std::size_t kNeeded = kStackSize + 32 * 1024;  // + what the call itself uses
  thread_local char* t_low = nullptr;                      // lowest usable address
  thread_local bool t_known = false;
  if (!t_known) {
    t_known = true;
    if (syscall(SYS_gettid) == getpid()) {
      rlimit rl{};
      bool big =
          getrlimit(RLIMIT_STACK, &rl) == 0 && (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= (1u << 20));
      t_low = big ? nullptr : reinterpret_cast<char*>(~uintptr_t{0});
    } else {
      pthread_attr_t attr;
      void* low = nullptr;
      std::size_t size = 0;
      if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        if (pthread_attr_getstack(&attr, &low, &size) != 0) low = nullptr;
        pthread_attr_destroy(&attr);
      }
      t_low = low == nullptr ? reinterpret_cast<char*>(~uintptr_t{0}) : static_cast<char*>(low);
    }
  }
  if (t_low == nullptr) return true;
  char here;
  return &here > t_low && static_cast<std::size_t>(&here - t_low) >= kNeeded;
}

}  // namespace

Result<Identity> Spawn(const SpawnArgs& args) {
  if (!args.caller_is_intermediate) return SpawnChain(args);
  if (FrameHasRoomForAStack()) return SpawnDirectOnFrame(args);
  // A small thread stack: run the command on this thread's mapping instead.
  auto mapping = t_chain_stacks.Get();
  if (!mapping.ok()) return mapping.error();
  return SpawnDirect(args, mapping.value() + 2 * kPage + kStackSize);
}

}  // namespace internal
}  // namespace reap
