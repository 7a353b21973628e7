// One trial of a CLI detacher: the suite (a subreaper S) starts the caller
// G, which runs the detacher D around the command C (the probe); S watches
// everything through /proc while D runs and after, may act (kill the
// caller's group, hang up its session, inject a fault), and returns what it
// saw. Properties judge Trials; they never run processes themselves.
#ifndef REAP_CONFORMANCE_TRIAL_H_
#define REAP_CONFORMANCE_TRIAL_H_

#include <signal.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "conformance/caller.h"
#include "conformance/description.h"
#include "conformance/probe_report.h"
#include "conformance/processes.h"
#include "conformance/suite.h"

namespace reap_conformance {

// What the suite does once the command has reported and the detacher is done.
// kKillCgroup: cgroup.kill of the caller's cgroup (TrialSpec::in_cgroup), as
// systemd stops a service with KillMode=control-group.
enum class After { kNothing, kKillGroup, kHangupSession, kRandomFault, kKillCgroup };

struct TrialSpec {
  Program program = Program::kProbe;
  std::vector<std::string> payload;  // extra argv after "--"
  long linger_ms = 20000;            // how long the probe lives
  After after = After::kNothing;
  AtReturn at_return = AtReturn::kNothing;
  int fault_delay_us = 0;  // kRandomFault: when, what, at whom
  int fault_signal = SIGKILL;
  bool fault_on_caller = false;  // else on D
  // Wait for intermediates to go and the command to be adopted before the
  // checks (trials that only ask "is the command alive" do not).
  bool settle = true;
};

// What one run of the detacher showed.
struct Trial {
  std::string error;                        // harness trouble
  bool exited = false;                      // D exited and G saw it
  Clock::time_point started_at, exited_at;  // G forked; the suite saw D's exit
  int exit_status = -1;                     // D's wait status when exited
  std::string out, err;                     // what D printed
  bool known = false;                       // the caller has what D will tell it
  Clock::time_point known_at;
  std::optional<pid_t> reported;  // PID from stdout or pidfile
  std::optional<ProbeReport> command;
  pid_t caller = 0;                        // G: leads the caller's session and group
  pid_t detacher = 0;                      // D
  std::vector<std::string> stdio_targets;  // readlink of C's fds 0..2
  std::vector<std::string> caller_pipes;   // readlink of D's stdout and stderr pipes
  std::vector<std::string> cmdline;        // C's argv
  bool zombie_seen = false;                // D held a zombie child, idle, for no-intermediate's window
  std::vector<pid_t> lingering;            // processes other than G and C after D exited
  // C as watched by the suite.
  std::optional<Clock::time_point> adopted_at;  // first seen as S's child
  // Times count only while the other process was idle (world.h's Idle):
  // a busy machine delays processes, it does not make them guilty.
  std::optional<Clock::time_point> foreign_at;  // last seen alive as another's child
  pid_t foreign_parent = 0;                     // that other parent
  Clock::duration foreign_hold{};               // ... after the PID was known, that parent idle
  Clock::duration zombie_hold{};                // held as a zombie by another, the holder idle
  pid_t zombie_holder = 0;
  bool command_gone = false;         // exited and reaped (by anyone)
  bool ended_before_return = false;  // the command had exited when D returned (run in place)
  bool command_alive = false;        // after the action
  int cpu_placement = 0;             // the caller's CpuPlacement in AtReturn trials
};

// Runs one trial of D as SPEC says; everything it started is killed and
// reaped before it returns.
Trial RunTrial(const Description& d, const SuiteOptions& o, const TrialSpec& spec);

// "pid 12 (the detacher)", "(the caller)", "(an intermediate)".
std::string DetacherRole(const Trial& t, pid_t pid);

// The one-line reason when a trial could not even show a command.
std::optional<std::string> WhyNoCommand(const Trial& t);

}  // namespace reap_conformance

#endif  // REAP_CONFORMANCE_TRIAL_H_
