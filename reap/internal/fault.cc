#include "reap/internal/fault.h"

#include <cstring>

namespace reap {
namespace internal {

FaultHook g_fault_hook = nullptr;
int g_defect = static_cast<int>(Defect::kNone);

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

void SetFaultHook(FaultHook hook) { __atomic_store_n(&g_fault_hook, hook, __ATOMIC_RELEASE); }

const char* DefectName(Defect d) {
  switch (d) {
    case Defect::kNone:
      return "none";
    case Defect::kSkipSetsid:
      return "skip_setsid";
    case Defect::kNoReapIntermediate:
      return "no_reap_intermediate";
    case Defect::kReportIntermediatePid:
      return "report_intermediate_pid";
    case Defect::kLeakFd:
      return "leak_fd";
    case Defect::kBlockSignal:
      return "block_signal";
    case Defect::kCount:
      break;
  }
  return "unknown";
}

Defect DefectFromName(const char* name) {
  for (int i = 0; i < static_cast<int>(Defect::kCount); ++i) {
    if (std::strcmp(name, DefectName(static_cast<Defect>(i))) == 0) return static_cast<Defect>(i);
  }
  return Defect::kCount;
}

void SetDefect(Defect d) { __atomic_store_n(&g_defect, static_cast<int>(d), __ATOMIC_RELAXED); }

}  // namespace internal
}  // namespace reap
