// reaper status | signal | stop | wait: control of a process started
// detached, by pidfile or by PID:START_TIME, proof against PID reuse
// (reap::ProcessHandle).
#ifndef REAP_REAPER_CONTROL_H_
#define REAP_REAPER_CONTROL_H_

#include <cstdio>
#include <string>
#include <vector>

namespace reaper {

// Exit statuses of signal, stop and wait (status follows LSB: 0 running,
// 1 dead but the pidfile exists, 3 not running, 4 unknown).
inline constexpr int kControlDone = 0;
inline constexpr int kControlNotRunning = 1;  // nothing to do (as start-stop-daemon --stop)
inline constexpr int kControlUsage = 2;
inline constexpr int kControlFailed = 3;    // permission, still running at the deadline
inline constexpr int kControlUnknown = 4;   // cannot tell (no /proc of this namespace, unreadable pidfile)
inline constexpr int kControlRecycled = 5;  // the PID now names another process: nothing was signalled

// True when ARGS start with a control subcommand.
bool IsControlCommand(const std::vector<std::string>& args);

// Runs it; messages go to OUT (results) and ERR (errors, one line).
int RunControl(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

}  // namespace reaper

#endif  // REAP_REAPER_CONTROL_H_
