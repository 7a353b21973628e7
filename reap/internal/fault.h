// Test seams of the spawn path: named fault points and deliberate defects.
//
// They are part of the one build of the library that ships, not of a
// test-only variant: the tests then check exactly the code that ships, and
// the library, the harness and the property tests are built once. Both are
// off unless a test turns them on (testing/faults.cc, linked only into test
// binaries); off, each costs one load and one branch. Nothing outside the
// library's tests may call the setters.
#ifndef REAP_REAP_INTERNAL_FAULT_H_
#define REAP_REAP_INTERNAL_FAULT_H_

#include "reap/internal/child_side.h"

namespace reap {
namespace internal {

// Where a test can stop a process of the clone chain (testing/faults.cc
// stops it with SIGSTOP, and the harness delivers a fault at that moment).
enum class FaultPoint : int {
  kBeforeFirstClone = 0,     // caller, signals blocked, nothing created yet
  kIntermediateBeforeClone,  // in the intermediate, before the second clone
  kChildBeforeExec,          // in the command's process, just before execve
  kAfterExecBeforeReport,    // caller, exec confirmed, result not yet built
  kBeforeReturn,             // caller, everything reaped, about to return
  kCount,
};

// "before_first_clone", ...
const char* FaultPointName(FaultPoint p);

// Called with each point reached. Runs between clone and exec, so it must be
// async-signal-safe.
using FaultHook = void (*)(FaultPoint);
void SetFaultHook(FaultHook hook);

// One deliberate defect, to prove that the property tests catch it
// (//testing/properties:defects_caught_test runs them with each). This enum
// is the list of defects.
enum class Defect : int {
  kNone = 0,
  kSkipSetsid,             // the command stays in the caller's session
  kNoReapIntermediate,     // the intermediate is left a zombie
  kReportIntermediatePid,  // the intermediate's PID is reported
  kLeakFd,                 // inherited descriptors are not closed
  kBlockSignal,            // the command starts with SIGTERM blocked
  kCount,
};

// "skip_setsid", ... ("none" for kNone).
const char* DefectName(Defect d);
// The defect named NAME; kCount when there is none of that name.
Defect DefectFromName(const char* name);
void SetDefect(Defect d);

extern FaultHook g_fault_hook;  // set by SetFaultHook only
extern int g_defect;            // a Defect; set by SetDefect only

REAP_CHILD_SIDE inline void HitFaultPoint(FaultPoint p) {
  FaultHook hook = __atomic_load_n(&g_fault_hook, __ATOMIC_ACQUIRE);
  if (hook != nullptr) hook(p);
}

REAP_CHILD_SIDE inline bool DefectActive(Defect d) {
  return __atomic_load_n(&g_defect, __ATOMIC_RELAXED) == static_cast<int>(d);
}

}  // namespace internal
}  // namespace reap

#define REAP_FAULT_POINT(p) ::reap::internal::HitFaultPoint(::reap::internal::FaultPoint::p)

#endif  // REAP_REAP_INTERNAL_FAULT_H_
