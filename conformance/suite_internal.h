// What the command-line and server modes of the suite share.
#ifndef REAP_CONFORMANCE_SUITE_INTERNAL_H_
#define REAP_CONFORMANCE_SUITE_INTERNAL_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "conformance/suite.h"

namespace reap_conformance::internal {

// In a freshly forked child: a new session, exactly CallerExtraFds() open
// above 2 (besides KEEP), every signal at its default, then SIGINT, SIGQUIT
// and SIGPIPE ignored and SIGUSR2 blocked: what a careless server hands on.
void BecomeCarelessCaller(const std::vector<int>& keep);

// "the caller ignored SIGINT SIGQUIT SIGPIPE and blocked SIGUSR2".
std::string CallerSignalsText();

// The command a trial detaches: the probe, or one whose exec must fail.
enum class Program { kProbe, kMissingPath, kMissingBare, kNotAProgram };

// The path (or, for kMissingBare, the bare name) to detach for PROGRAM; a
// file that must exist is made under DIR. "" if it could not be written.
std::string ProgramPath(Program program, const std::string& dir, const SuiteOptions& o);

// The probe's arguments: PROBE_ARGS --report REPORT --linger-ms MS, then
// "--" and PAYLOAD when there is one.
std::vector<std::string> ProbeArgs(const SuiteOptions& o, const std::string& report, long linger_ms,
                                   const std::vector<std::string>& payload);

// What a property's check found.
struct Outcome {
  Status status;
  std::string reason;
};
inline Outcome Pass(std::string r) { return {Status::kPass, std::move(r)}; }
inline Outcome Fail(std::string r) { return {Status::kFail, std::move(r)}; }
inline Outcome Inconclusive(std::string r) { return {Status::kInconclusive, std::move(r)}; }

// A randomized property draws at most this many rounds per round it must
// count: a round counts only when it exercised the claim.
constexpr int kAttemptsPerRound = 5;

// What one round of a randomized property showed.
struct Round {
  bool exercised = false;                // the claim was put to the test
  std::optional<std::string> violation;  // the claim did not hold (why)
};

// Draws rounds until ROUNDS of them exercised the claim, the first
// violation, or ROUNDS * kAttemptsPerRound rounds. PASS and INCONCLUSIVE say
// "N of M rounds exercised" followed by ABOUT; INCONCLUSIVE is never a PASS.
Outcome DrawRounds(int rounds, const std::function<Round()>& round,
                   const std::function<std::string()>& about);

// "7,8,9".
inline std::string Join(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

// The verdict of PROPERTY, SKIP when D does not claim it, reported to
// o.on_verdict; its time runs from START.
Verdict Conclude(const Description& d, const SuiteOptions& o, const std::string& property, Status status,
                 std::string reason, std::chrono::steady_clock::time_point start);

// readlink of /proc/PID/fd/FD, or "(closed)".
std::string FdTarget(pid_t pid, int fd);

// Server mode (server_suite.cc).
std::vector<Verdict> RunServerSuite(const Description& d, const SuiteOptions& o);
std::string CheckServerPlainRun(const Description& d, const SuiteOptions& o);

}  // namespace reap_conformance::internal

#endif  // REAP_CONFORMANCE_SUITE_INTERNAL_H_
