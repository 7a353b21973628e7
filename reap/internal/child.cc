// The child side of the clone chain (see child.h and spawn.cc).
#include "reap/internal/child.h"

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

#ifndef __NR_close_range
#define __NR_close_range 436
#endif

namespace reap {
namespace internal {
namespace {

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

}  // namespace

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

}  // namespace internal
}  // namespace reap
