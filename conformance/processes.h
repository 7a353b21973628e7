// Watching processes through /proc from the adopter's side: what the
// conformance suite observes and the tests share. Nothing here signals a
// process it did not find below the caller.
#ifndef REAP_CONFORMANCE_PROCESSES_H_
#define REAP_CONFORMANCE_PROCESSES_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace reap_conformance {

using Millis = std::chrono::milliseconds;

// Polls PRED every few ms until it is true or DEADLINE passes. Returns the
// last result.
bool PollUntil(const std::function<bool()>& pred, Millis deadline = Millis(5000));

// A fresh directory under TEST_TMPDIR (or /tmp); aborts if none can be made.
std::string TempDir();

// Every process below ROOT (children, grandchildren, ...), through /proc.
std::vector<pid_t> Descendants(pid_t root);

// The descendants of this process that are in session SID.
std::vector<pid_t> DescendantsInSession(pid_t sid);

// Alive and not a zombie, by PID alone (reap::IsRunning checks an
// Identity: PID and start time).
bool PidIsRunning(pid_t pid);

// Running, and no fatal signal on its way. The kernel marks SIGKILL pending
// the moment a fatal signal is sent (kill(2) and cgroup.kill return after
// that), so a killed process is known at once, however long it then waits
// for a CPU: the answer does not depend on load. Once the victim takes the
// signal it shows PF_EXITING, then Z. For the moment in between it only
// runs, so a running process is looked at again until it sleeps or shows
// its fate (at most 1 s: a process busy that long with nothing fatal
// pending survives).
bool Surviving(pid_t pid);

// Sleeping (interruptibly) or stopped: not waiting for a CPU. A process
// that holds a zombie child or stays a command's parent is to blame for the
// time it spends so, not for the time a busy machine keeps it from running.
bool Idle(pid_t pid);

// readlink of /proc/PID/fd/FD, or "(closed)".
std::string FdTarget(pid_t pid, int fd);

// Whether PATH exists.
bool Exists(const std::string& path);

// The whole content of a file ("" when it cannot be read).
std::string ReadAll(const std::string& path);

// An adopter's bookkeeping: every child it reaped, with its wait status.
struct Reaps {
  std::map<pid_t, int> status;
  void Collect();  // reaps every exited child (own or adopted), no blocking
  bool Has(pid_t pid) const { return status.count(pid) != 0; }
};

// PollUntil that reaps (into REAPS) while it waits.
bool PollReaping(Reaps* reaps, const std::function<bool()>& pred, Millis deadline);

// The end of every test tree: SIGKILLs (after SIGCONT, for stopped ones)
// every descendant of this process but those SPARE says to leave for now,
// and reaps them into REAPS, until none is left or DEADLINE passes. True
// when none is left.
bool KillAllDescendants(Reaps* reaps, Millis deadline, const std::function<bool(pid_t)>& spare = nullptr);

}  // namespace reap_conformance

#endif  // REAP_CONFORMANCE_PROCESSES_H_
