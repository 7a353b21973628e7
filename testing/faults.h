// Fault delivery at the library's named fault points. A process that reaches
// the planned point appends "POINT PID\n" to the plan's log and stops itself
// (SIGSTOP); the harness then delivers its fault at that exact moment and
// resumes it with SIGCONT. Everything here runs between clone and exec, so
// it is async-signal-safe: no allocation, no stdio, no locks.
#ifndef REAP_TESTING_FAULTS_H_
#define REAP_TESTING_FAULTS_H_

#include "reap/internal/fault.h"

namespace reap_testing {

using reap::internal::FaultPoint;

// Plan for this process (and, through REAP_FAULT_PLAN in the environment, for
// processes that exec a binary linking this library). point == kCount: none.
void SetFaultPlan(FaultPoint point, const char* log_path);

// The same stop the hook performs, for points outside the library (e.g.
// "after Detach returned" in the harness's parent process).
void StopAndLog(const char* point_name);

// "NAME:LOGPATH" for REAP_FAULT_PLAN.
const char* FaultPlanEnvName();

// REAP_DEFECT: the name of a reap::internal::Defect to turn on at load time.
const char* DefectEnvName();

// Parses a point name ("child_before_exec", ...); kCount when unknown.
FaultPoint FaultPointFromName(const char* name);

}  // namespace reap_testing

#endif  // REAP_TESTING_FAULTS_H_
