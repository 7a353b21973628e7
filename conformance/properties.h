// Every property the suite judges, defined once: its name, the modes that
// judge it and its time window (the registry), and the checks over what was
// observed. The CLI suite, the server suite and the harness invariants
// (testing/invariants.cc) all use these; no property name or check is
// written anywhere else. docs/conformance-suite.md says what each means.
#ifndef REAP_CONFORMANCE_PROPERTIES_H_
#define REAP_CONFORMANCE_PROPERTIES_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/probe_report.h"

namespace reap_conformance {

// How the detacher is driven: a command line that exits (cli), or a server
// that stays alive and detaches one command per request line (server).
enum class Mode { kCli, kServer };

enum class PropertyId {
  kExecFailure,
  kArgvLiteral,
  kNewSession,
  kReparented,
  kPromptAdoption,
  kNoZombies,
  kSurvivesGroupKill,
  kSurvivesHangup,
  kSurvivesCgroupKill,
  kSafeAtReturn,
  kQuickExit,
  kCleanSignals,
  kNoLeakedFds,
  kStdioDetached,
  kNoIntermediate,
  kPidAccurate,
  kRandomFaults,
};

struct Property {
  PropertyId id;
  const char* name;
  bool cli, server;  // judged in these modes
  // What the property allows (0: no window): how long the command may stay
  // another process's child, or be held as a zombie, while that process
  // idles (a process kept from the CPU is not to blame).
  std::chrono::milliseconds window;
};

// Every property, in report order.
const std::vector<Property>& Properties();
const Property& PropertyOf(PropertyId id);
// nullptr when NAME is no property.
const Property* FindProperty(std::string_view name);
// The names judged in MODE, in report order; and all of them.
std::vector<std::string> PropertyNames(Mode mode);
std::vector<std::string> PropertyNames();

// What a property's check found.
enum class Status { kPass, kFail, kSkip, kInconclusive };
struct Outcome {
  Status status;
  std::string reason;
};
inline Outcome Pass(std::string r) { return {Status::kPass, std::move(r)}; }
inline Outcome Fail(std::string r) { return {Status::kFail, std::move(r)}; }
// The suite could not exercise the claim enough to decide: never a PASS.
inline Outcome Inconclusive(std::string r) { return {Status::kInconclusive, std::move(r)}; }
inline Outcome PassUnless(const std::optional<std::string>& failure, std::string ok) {
  return failure ? Fail(*failure) : Pass(std::move(ok));
}

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

// The checks: each returns why the claim does not hold, or nullopt.
// CALLER names whoever started the detacher ("caller", "server").

// argv-literal: arguments a shell would split, expand or run, each of which
// must arrive as it is; a command injected through them would create MARKER.
std::vector<std::string> TrickyArguments(const std::string& marker);
// CMDLINE is the command's whole argv, PAYLOAD after its "--".
std::optional<std::string> ArgvViolation(const std::vector<std::string>& cmdline,
                                         const std::vector<std::string>& payload, bool marker_exists);
// What a PASS of argv-literal says.
extern const char kArgvLiteralPasses[];

// new-session: neither the caller's session nor its group, no terminal.
std::optional<std::string> NewSessionViolation(const ProbeReport& c, pid_t caller_sid, pid_t caller_pgid,
                                               std::string_view caller);
// clean-signals: nothing ignored, nothing blocked.
std::optional<std::string> CleanSignalsViolation(const ProbeReport& c);
// no-leaked-fds: only 0, 1, 2; says which of CALLER_FDS (the caller's
// inheritable extras; empty when unknown) arrived, and which others the
// detacher added.
std::optional<std::string> LeakedFdsViolation(const ProbeReport& c, const std::vector<int>& caller_fds,
                                              std::string_view caller);
// stdio-detached: none of fds 0-2 (TARGETS, readlink of each) is one of the
// caller's CALLER_PIPES or a terminal.
std::optional<std::string> StdioViolation(const std::vector<std::string>& targets,
                                          const std::vector<std::string>& caller_pipes,
                                          std::string_view caller);
// pid-accurate: the reported PID is the command's own.
std::optional<std::string> PidViolation(pid_t reported, pid_t command);

// "7,8,9".
std::string Join(const std::vector<int>& v);

}  // namespace reap_conformance

#endif  // REAP_CONFORMANCE_PROPERTIES_H_
