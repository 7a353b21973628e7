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

#include "reap/internal/child.h"
#include "reap/internal/fault.h"
#include "reap/internal/kernel_signals.h"
#include "reap/internal/raw_proc.h"
#include "reap/proc.h"

namespace reap {
namespace internal {
namespace {

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
// running on STACK_TOP (see CloneAsIntermediateOnFrame). A command that never
// reached a successful exec is reaped here.
Result<Identity> CloneAsIntermediate(const SpawnArgs& args, char* stack_top) {
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

// The mapping CloneViaIntermediate runs the children on:
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
Result<Identity> CloneViaIntermediate(const SpawnArgs& args) {
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
__attribute__((noinline)) Result<Identity> CloneAsIntermediateOnFrame(const SpawnArgs& args) {
  alignas(64) char stack[kStackSize];
  return CloneAsIntermediate(args, stack + sizeof stack);
}

// Whether this thread's stack has room for CloneAsIntermediateOnFrame. The main
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

Result<Identity> RunCloneChain(const SpawnArgs& args) {
  if (!args.caller_is_intermediate) return CloneViaIntermediate(args);
  if (FrameHasRoomForAStack()) return CloneAsIntermediateOnFrame(args);
  // A small thread stack: run the command on this thread's mapping instead.
  auto mapping = t_chain_stacks.Get();
  if (!mapping.ok()) return mapping.error();
  return CloneAsIntermediate(args, mapping.value() + 2 * kPage + kStackSize);
}

}  // namespace internal
}  // namespace reap
