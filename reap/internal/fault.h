// Named fault points on the spawn path. They compile to nothing unless the
// test-only library variant defines REAP_FAULT_INJECTION; then each point
// calls a hook the harness installs (testing/faults.*). Hooks run between
// clone and exec, so they must be async-signal-safe.
#ifndef REAP_REAP_INTERNAL_FAULT_H_
#define REAP_REAP_INTERNAL_FAULT_H_

namespace reap {
namespace internal {

enum class FaultPoint : int {
  kBeforeFirstClone = 0,     // caller, signals blocked, nothing created yet
  kIntermediateBeforeClone,  // in the intermediate, before the second clone
  kChildBeforeExec,          // in the command's process, just before execve
  kAfterExecBeforeReport,    // caller, exec confirmed, result not yet built
  kBeforeReturn,             // caller, everything reaped, about to return
  kCount,
};

const char* FaultPointName(FaultPoint p);

#ifdef REAP_FAULT_INJECTION
// Installed by the harness; called with the point reached. May be null.
using FaultHook = void (*)(FaultPoint);
void SetFaultHook(FaultHook hook);
void HitFaultPoint(FaultPoint p);
#define REAP_FAULT_POINT(p) ::reap::internal::HitFaultPoint(::reap::internal::FaultPoint::p)
#else
#define REAP_FAULT_POINT(p) ((void)0)
#endif

}  // namespace internal
}  // namespace reap

#endif  // REAP_REAP_INTERNAL_FAULT_H_
