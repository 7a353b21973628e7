// The kernel's own signal interface (rt_sigaction, rt_sigprocmask), not
// glibc's: glibc refuses its internal signals 32 and 33 and keeps them
// unblockable. Used by the command's process between clone and exec, and
// by the conformance suite's caller to start from a clean slate. Not
// installed.
#ifndef REAP_REAP_INTERNAL_KERNEL_SIGNALS_H_
#define REAP_REAP_INTERNAL_KERNEL_SIGNALS_H_

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

#include "reap/internal/child_side.h"

namespace reap {
namespace internal {

// What rt_sigaction and rt_sigprocmask take as the size of a mask.
constexpr int kKernelSigsetBytes = _NSIG / 8;

// A kernel signal set, large enough for every signal.
using KernelSigset = std::uint64_t[(_NSIG + 63) / 64];

// The kernel's struct sigaction for rt_sigaction: handler, flags, restorer,
// mask. All zero is {SIG_DFL, no flags, empty mask}.
struct KernelSigaction {
  void* handler;
  unsigned long flags;
  void* restorer;
  unsigned char mask[kKernelSigsetBytes];
};

REAP_CHILD_SIDE inline long RawSigprocmask(int how, const void* set, void* old) {
  return syscall(SYS_rt_sigprocmask, how, set, old, kKernelSigsetBytes);
}

// Blocks every signal, glibc's internal ones too; OLD (may be null) gets
// the previous mask. Returns rt_sigprocmask's result.
REAP_CHILD_SIDE inline long BlockAllSignals(KernelSigset* old) {
  KernelSigset all;
  for (auto& word : all) word = ~std::uint64_t{0};
  return RawSigprocmask(SIG_SETMASK, all, old);
}

// Every disposition back to SIG_DFL, glibc's internal signals included.
REAP_CHILD_SIDE inline void ResetSignalDispositions() {
  KernelSigaction dfl{};
  for (int sig = 1; sig < _NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    syscall(SYS_rt_sigaction, sig, &dfl, nullptr, kKernelSigsetBytes);
  }
}

}  // namespace internal
}  // namespace reap

#endif  // REAP_REAP_INTERNAL_KERNEL_SIGNALS_H_
