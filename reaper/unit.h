// A systemd scope as the TARGET of reaper status | signal | stop | wait:
// the processes of a unit started with --scope, found through its cgroup
// (no D-Bus: the static reaper reads the cgroup2 hierarchy itself).
#ifndef REAP_REAPER_UNIT_H_
#define REAP_REAPER_UNIT_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace reaper {

// Whether TARGET names a scope unit ("reap-4711.scope").
bool IsUnitTarget(const std::string& target);

class UnitCgroup {
 public:
  // Finds the directory named UNIT in the cgroup2 hierarchy (below
  // CGROUP2_ROOT, "" = where it is mounted). Returns false with *WHY when it
  // cannot look, or when two directories have that name; true otherwise,
  // with found() false when no such cgroup exists (the scope has ended).
  bool Find(const std::string& unit, const std::string& cgroup2_root, std::string* why);

  bool found() const { return !dir_.empty(); }
  const std::string& dir() const { return dir_; }
  // Whether any process is in it or below (cgroup.events "populated 1").
  bool Populated() const;
  // The processes in it and below, ascending.
  std::vector<pid_t> Processes() const;
  // Sends SIG to each process in it and below, proof against PID reuse: a
  // PID is signalled through a pidfd, and only while its process is still
  // in this cgroup. Returns how many were signalled; *ERR gets the errno of
  // a process that could not be (EPERM ...), else stays 0.
  int Signal(int sig, int* err) const;
  // SIGKILLs everything in it at once (cgroup.kill, Linux 5.14+; else each
  // process as Signal does). "" or why not.
  std::string Kill() const;
  // Waits until nothing is in it, or TIMEOUT passes (milliseconds::max():
  // as long as it takes); returns whether it emptied.
  bool WaitUntilEmpty(std::chrono::milliseconds timeout) const;

 private:
  std::string dir_;       // absolute path of the cgroup directory
  std::string relative_;  // its path in /proc/PID/cgroup terms ("/system.slice/reap-1.scope")
};

}  // namespace reaper

#endif  // REAP_REAPER_UNIT_H_
