// One fault-injection scenario: the test process H owns the world (as a
// subreaper or as PID 1 of a private PID namespace); H starts grandparent G,
// G (a new session) starts parent P, P detaches the probe C through the
// library or through the reaper CLI (then reaper is the intermediate I).
// A schedule says which process is hit, with which signal, and when.
#ifndef REAP_TESTING_SCENARIO_H_
#define REAP_TESTING_SCENARIO_H_

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace reap_testing {

enum class Via { kLibrary, kCli };
std::ostream& operator<<(std::ostream& os, Via v);

enum class Target {
  kNone,
  kGrandparent,    // G
  kParent,         // P
  kIntermediate,   // every child of P at that moment (the intermediate, or reaper)
  kCommand,        // C
  kParentGroup,    // P's whole process group (G leads it)
  kSessionHangup,  // SIGHUP to every process of P's session
};

enum class When {
  kDelay,             // `delay_us` after G was started
  kBeforeFirstClone,  // named fault points of the library ...
  kIntermediateBeforeClone,
  kChildBeforeExec,
  kAfterExecBeforeReport,
  kBeforeReturn,
  kAfterReturn,  // in P, just after it learned the result
};

enum class ProbeMode { kLinger, kExitNow, kExitAfterDelay, kIgnoreTerm };

struct Schedule {
  Target target = Target::kNone;
  int signal = 9;  // SIGKILL, SIGTERM or SIGHUP
  When when = When::kDelay;
  int delay_us = 0;
  ProbeMode probe = ProbeMode::kLinger;
  int probe_ms = 0;          // kExitAfterDelay: lifetime
  bool nonexistent = false;  // detach a program that does not exist
};
std::ostream& operator<<(std::ostream& os, const Schedule& s);

struct ScenarioConfig {
  Via via = Via::kLibrary;
  std::string probe;   // path of conformance/probe
  std::string reaper;  // path of the reaper binary with fault points
};

// Runs one scenario in the current world; the calling process must be a
// subreaper or PID 1. Returns the violated invariants (empty: all held) plus
// any harness failure, prefixed "harness:". Cleans up everything it started.
std::vector<std::string> RunScenario(const Schedule& s, const ScenarioConfig& cfg);

// P lives on and detaches one command per entry of LIFETIMES_MS (each exits
// after that many ms); P must never hold a zombie child, and the adopter
// must reap all of them.
std::vector<std::string> RunLongRunningParent(const std::vector<int>& lifetimes_ms,
                                              const ScenarioConfig& cfg);

}  // namespace reap_testing

#endif  // REAP_TESTING_SCENARIO_H_
