// reaper doctor: does this environment reap orphans, who adopts them, and
// what would kill a detached command with its caller (a systemd service's
// cgroup, a logind session, a container)?
#ifndef REAP_REAPER_DOCTOR_H_
#define REAP_REAPER_DOCTOR_H_

#include <cstdio>
#include <string>
#include <vector>

namespace reaper {

// Exit status when the doctor cannot tell (no /proc of this namespace, or
// the check itself failed).
inline constexpr int kDoctorUnknown = 4;

// Prints findings and a verdict to OUT. Returns 0 when detached processes
// that exit get reaped here (OK or SLOW), 1 when they stay zombies,
// kDoctorUnknown when it cannot tell.
int RunDoctor(std::FILE* out);

// The cgroup path in the text of /proc/PID/cgroup: the v2 entry ("0::/x"),
// else the v1 name=systemd one; "" when neither is there.
std::string CgroupOf(const std::string& proc_self_cgroup);

// What kills a detached command with its caller in CGROUP, one line each:
// a systemd service (WARNING: its stop/restart/crash kills the cgroup), a
// logind session with KILL_USER_PROCESSES, a container (CONTAINER: why it
// looks like one; "" when not).
std::vector<std::string> SupervisorFindings(const std::string& cgroup, bool systemd_running,
                                            const std::string& container, bool kill_user_processes);

}  // namespace reaper

#endif  // REAP_REAPER_DOCTOR_H_
