// The caller the suite builds around every detacher: a careless server's
// state (a new session, inheritable fds, ignored and blocked signals), the
// command it asks for (the probe, or one whose exec must fail), and in CLI
// mode the process G that runs the detacher and acts the moment it returns.
#ifndef REAP_CONFORMANCE_CALLER_H_
#define REAP_CONFORMANCE_CALLER_H_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "conformance/cgroups.h"
#include "conformance/suite.h"

namespace reap_conformance {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Every deadline of a CLI trial, in the order they nest: G gives up on D
// before the suite gives up on G, and G outlives every check unless released.
constexpr milliseconds kCallerKillsDetacher(12000);  // G SIGKILLs a D still running
constexpr milliseconds kDetacherDeadline(15000);     // S stops waiting for D's exit
constexpr milliseconds kCallerLifetime(30000);       // G exits by itself
constexpr milliseconds kReportDeadline(5000);        // C's report, while anything that could run it lives
constexpr milliseconds kFailedReportDeadline(200);   // ... when the program cannot exec
constexpr milliseconds kSettleDeadline(2000);        // intermediates gone, C adopted
constexpr milliseconds kCleanupDeadline(10000);      // everything killed and reaped
static_assert(kCallerKillsDetacher < kDetacherDeadline && kDetacherDeadline < kCallerLifetime);
static_assert(kFailedReportDeadline < kReportDeadline);
// For what a signal sent to C sets off (its death itself is seen at once:
// processes.h Surviving).
constexpr milliseconds kSignalWindow(20);

// The fds the caller hands the detacher on top of 0-2, all inheritable: low
// ones, one above Node's close-on-exec range (0-16), and one at 1000.
const std::vector<int>& CallerExtraFds();

// In a freshly forked child whose fds 0-2 are set: a new session, exactly
// CallerExtraFds() open above 2, every signal at its default, then SIGINT,
// SIGQUIT and SIGPIPE ignored and SIGUSR2 blocked: what a careless server
// hands on.
void BecomeCarelessCaller();

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

// G and S share this page (MAP_SHARED, made before G's fork).
struct SharedPage {
  std::atomic<pid_t> detacher;     // D's PID once forked
  std::atomic<int> status;         // D's wait status once done
  std::atomic<int> done;           // D was waited for
  std::atomic<int> release;        // S is done: G may exit
  std::atomic<int> acted;          // G has sent its AtReturn signals (or had none to send)
  std::atomic<int> cpu_placement;  // a CpuPlacement, in AtReturn trials
};

// How G ran in an AtReturn trial (caller.cc WorstCaseCpuPlacement).
enum CpuPlacement { kRealTimeCaller = 1, kIdleDetacher = 2 };

static_assert(std::atomic<int>::is_always_lock_free, "shared between processes");

// What G does the moment the detacher's successful exit reaches it.
enum class AtReturn { kNothing, kKillGroup, kHangupSession };

// G: the caller. A new session, the caller's extra fds (as a careless server
// would have), ignored and blocked signals, in the cgroup CGROUP when not
// null (a service's), then the detacher ARGV with stdout on OUT and stderr
// on ERR; waits for it, does AT_RETURN, and stays until released so its
// session and group exist during the checks.
[[noreturn]] void CallerMain(const std::vector<std::string>& argv, int out, int err, SharedPage* shared,
                             AtReturn at_return, const CgroupLeaf* cgroup);

}  // namespace reap_conformance

#endif  // REAP_CONFORMANCE_CALLER_H_
