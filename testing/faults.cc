#include "testing/faults.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

namespace reap_testing {
namespace {

struct Plan {
  int point;  // FaultPoint, or kCount for none
  char log[1024];
};
Plan g_plan = {static_cast<int>(FaultPoint::kCount), {0}};

void AppendLine(const char* name, pid_t pid) {
  char line[128];
  std::size_t n = 0;
  for (const char* p = name; *p && n < 100; ++p) line[n++] = *p;
  line[n++] = ' ';
  char digits[16];
  int d = 0;
  unsigned v = static_cast<unsigned>(pid);
  do {
    digits[d++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (d > 0) line[n++] = digits[--d];
  line[n++] = '\n';
  int fd = open(g_plan.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  ssize_t w = write(fd, line, n);
  (void)w;
  close(fd);
}

void Hook(FaultPoint p) {
  if (static_cast<int>(p) != g_plan.point) return;
  StopAndLog(reap::internal::FaultPointName(p));
}

// Installs the hook at load time, with the plan from the environment if any
// (this is how a test-only reaper binary gets its plan), and turns on the
// defect that REAP_DEFECT names, if any (how defects_caught_test runs the
// properties against each). An unknown defect name is a broken test setup.
const int g_installed = [] {
  reap::internal::SetFaultHook(&Hook);
  if (const char* defect = getenv(DefectEnvName())) {
    reap::internal::Defect d = reap::internal::DefectFromName(defect);
    if (d == reap::internal::Defect::kCount) {
      static const char kMsg[] = "testing/faults: unknown defect in REAP_DEFECT\n";
      ssize_t w = write(2, kMsg, sizeof kMsg - 1);
      (void)w;
      abort();
    }
    reap::internal::SetDefect(d);
  }
  const char* env = getenv(FaultPlanEnvName());
  if (env != nullptr) {
    const char* colon = strchr(env, ':');
    if (colon != nullptr) {
      char name[64] = {0};
      std::size_t len = static_cast<std::size_t>(colon - env);
      if (len < sizeof name) {
        memcpy(name, env, len);
        SetFaultPlan(FaultPointFromName(name), colon + 1);
      }
    }
  }
  return 1;
}();

}  // namespace

const char* FaultPlanEnvName() { return "REAP_FAULT_PLAN"; }

const char* DefectEnvName() { return "REAP_DEFECT"; }

FaultPoint FaultPointFromName(const char* name) {
  for (int i = 0; i < static_cast<int>(FaultPoint::kCount); ++i) {
    if (strcmp(name, reap::internal::FaultPointName(static_cast<FaultPoint>(i))) == 0) {
      return static_cast<FaultPoint>(i);
    }
  }
  return FaultPoint::kCount;
}

void SetFaultPlan(FaultPoint point, const char* log_path) {
  (void)g_installed;
  g_plan.point = static_cast<int>(point);
  strncpy(g_plan.log, log_path, sizeof g_plan.log - 1);
}

void StopAndLog(const char* point_name) {
  AppendLine(point_name, getpid());
  kill(getpid(), SIGSTOP);
}

}  // namespace reap_testing
