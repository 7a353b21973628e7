#include "reap/internal/fault.h"

namespace reap {
namespace internal {

const char* FaultPointName(FaultPoint p) {
  switch (p) {
    case FaultPoint::kBeforeFirstClone:
      return "before_first_clone";
    case FaultPoint::kIntermediateBeforeClone:
      return "intermediate_before_clone";
    case FaultPoint::kChildBeforeExec:
      return "child_before_exec";
    case FaultPoint::kAfterExecBeforeReport:
      return "after_exec_before_report";
    case FaultPoint::kBeforeReturn:
      return "before_return";
    case FaultPoint::kCount:
      break;
  }
  return "unknown";
}

#ifdef REAP_FAULT_INJECTION
namespace {
FaultHook g_hook = nullptr;  // set once before any Detach, read-only after
}  // namespace
void SetFaultHook(FaultHook hook) { __atomic_store_n(&g_hook, hook, __ATOMIC_SEQ_CST); }
void HitFaultPoint(FaultPoint p) {
  FaultHook hook = __atomic_load_n(&g_hook, __ATOMIC_SEQ_CST);
  if (hook != nullptr) hook(p);
}
#endif

}  // namespace internal
}  // namespace reap
