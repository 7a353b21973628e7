// Readers for /proc/PID/{stat,status,fd,cmdline}: the only trustworthy way to
// identify a process (a zombie is "alive" to kill(pid, 0); grepping ps
// matches itself).
#ifndef REAP_REAP_PROC_H_
#define REAP_REAP_PROC_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reap/error.h"

namespace reap {

// The fields of /proc/PID/stat that identify a process and its place in the
// process tree. Field numbers are those of proc(5).
struct ProcStat {
  pid_t pid = 0;                 // (1)
  std::string comm;              // (2) without the parentheses; may hold anything
  char state = '?';              // (3) R S D Z T t X I ...
  pid_t ppid = 0;                // (4)
  pid_t pgrp = 0;                // (5)
  pid_t session = 0;             // (6)
  int tty_nr = 0;                // (7) 0: no controlling terminal
  std::uint32_t flags = 0;       // (9) the kernel's PF_* flags (PF_EXITING 0x4: dying)
  std::uint64_t start_time = 0;  // (22) clock ticks after boot
};

// The same fields without the name, parsed without allocating: safe to call
// between clone and exec.
struct RawProcStat {
  pid_t pid;
  char state;
  pid_t ppid;
  pid_t pgrp;
  pid_t session;
  int tty_nr;
  std::uint32_t flags;
  std::uint64_t start_time;
  std::size_t comm_begin;  // offset of the name in the parsed text
  std::size_t comm_len;
};

// Parses the text of /proc/PID/stat. The name is delimited by the first '('
// and the LAST ')', so a name with spaces, parentheses or newlines is fine.
// Returns false on malformed text. Allocation-free and async-signal-safe.
bool ParseRawProcStat(const char* text, std::size_t len, RawProcStat* out);

// Same, keeping the name. Returns an error (op "proc", EINVAL) on bad text.
Result<ProcStat> ParseProcStat(std::string_view text);

// Whether a process in STATE (field 3) has exited: a zombie (Z), or one
// being reaped (X). The one definition of "alive" used across reap.
inline bool HasExited(char state) { return state == 'Z' || state == 'X'; }

// Reads /proc/PID/stat. ENOENT/ESRCH when the process is gone (reaped).
Result<ProcStat> ReadProcStat(pid_t pid);

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

// True when /proc belongs to this process's PID namespace (/proc/self names
// getpid()). False under a /proc of another namespace (unshare -p without a
// new /proc mount), or without /proc: then /proc/PID is not process PID.
bool ProcIsThisNamespaces();

// Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup, or
// /sys/fs/cgroup/unified beside v1 controllers), from /proc/self/mountinfo;
// a read-write mount is preferred. "" when none is.
std::string Cgroup2Mount();

// PIDs whose parent is PID (scans /proc; includes zombies), ascending.
std::vector<pid_t> ListChildren(pid_t parent);

}  // namespace reap

#endif  // REAP_REAP_PROC_H_
