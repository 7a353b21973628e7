// The five invariants users of a detacher rely on, checked against what one
// scenario observed. Pure functions over plain data, shared by the property
// tests and the conformance suite.
#ifndef REAP_TESTING_INVARIANTS_H_
#define REAP_TESTING_INVARIANTS_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "conformance/probe_report.h"

namespace reap_testing {

using reap_conformance::ProbeReport;
using reap_conformance::ReadProbeReport;

// What the caller (P) learned from the detacher.
struct CallerResult {
  bool ok = false;
  pid_t pid = 0;
  std::uint64_t start_time = 0;  // 0: the detacher does not report it
  std::string error;
  int children_after = 0;  // P's children right after the detach returned
  int zombies_after = 0;
  int fds_before = 0, fds_after = 0;  // P's open fds around the call
};

struct Observation {
  pid_t adopter = 0;         // who must adopt C (subreaper H, or 1)
  pid_t caller_session = 0;  // P's (and G's) session
  pid_t caller_pgid = 0;
  pid_t world_session = 0;             // H's session
  std::set<pid_t> other_pids;          // G, P and every intermediate seen
  std::optional<CallerResult> caller;  // nullopt: P died before learning
  std::optional<ProbeReport> command;  // nullopt: C never reported
  bool command_targeted = false;       // a fault was aimed at C itself
  bool fault_could_fail = false;       // a fault hit P, I, C before P's result
  bool expect_exec_failure = false;
  bool command_should_live = false;  // C was told to linger
  bool command_alive_at_end = false;
  bool command_reparented = false;    // C's PPID became `adopter`
  std::optional<int> command_status;  // wait status if the adopter reaped C
  bool command_should_exit_cleanly = false;
  std::vector<pid_t> leftovers;       // processes other than C still there
  std::vector<pid_t> zombies_at_end;  // zombies after the adopter reaped
};

// Returns one line per violated invariant, "N. what: detail"; empty if none.
std::vector<std::string> CheckInvariants(const Observation& o);

}  // namespace reap_testing

#endif  // REAP_TESTING_INVARIANTS_H_
