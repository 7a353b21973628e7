// What reap's CLI, its conformance suite and its tests observe of other
// processes: more of /proc than the library needs. Not installed; the
// implementation is in //reap (proc.cc), this header in //reap:observe.
#ifndef REAP_REAP_OBSERVE_H_
#define REAP_REAP_OBSERVE_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "reap/error.h"
#include "reap/proc.h"

namespace reap {

// The whole text of a small file (a /proc file, a pidfile, a report),
// read with read(2) until end of file, EINTR retried. Error op "proc".
Result<std::string> ReadSmallFile(const std::string& path);

// Signal and parent fields of /proc/PID/status.
struct ProcStatus {
  pid_t ppid = 0;
  std::uint64_t sig_blk = 0;  // blocked mask, bit (n-1) for signal n
  std::uint64_t sig_ign = 0;  // ignored dispositions
  std::uint64_t sig_cgt = 0;  // caught (handler installed)
  std::uint64_t sig_pnd = 0;  // pending, for the thread (SigPnd) or the process (ShdPnd)
};
Result<ProcStatus> ReadProcStatus(pid_t pid);

// Open descriptors of PID, ascending.
Result<std::vector<int>> ListFds(pid_t pid);

// argv of PID as recorded at exec (empty for a zombie).
Result<std::vector<std::string>> ReadCmdline(pid_t pid);

// Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup, or
// /sys/fs/cgroup/unified beside v1 controllers), from /proc/self/mountinfo;
// a read-write mount is preferred. "" when none is.
std::string Cgroup2Mount();

// The processes in the cgroup v2 directory DIR itself (its cgroup.procs),
// in the file's order; empty when it cannot be read (removed meanwhile).
std::vector<pid_t> CgroupProcesses(const std::string& dir);

// Every process /proc shows now (zombies included), ascending by PID: the
// one scan of /proc; a process that exits during it is left out.
std::vector<ProcStat> ListProcesses();

// PIDs whose parent is PID (scans /proc; includes zombies), ascending.
std::vector<pid_t> ListChildren(pid_t parent);

// The program a bare NAME (no '/') runs, looked up as execvp does: the first
// executable regular file in the directories of PATH_VAR (nullptr: the
// system's default path, confstr _CS_PATH; an empty entry is "."). A NAME
// with a '/' is returned as it is. Error op "path": EACCES when some
// candidate existed but was not executable, else ENOENT. Detach resolves
// with it, and so do the CLI's checks, the suite and the benchmarks.
Result<std::string> FindOnPath(const std::string& name, const char* path_var);

}  // namespace reap

#endif  // REAP_REAP_OBSERVE_H_
