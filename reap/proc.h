// /proc/PID/stat, read right: the only trustworthy way to identify a process
// (a zombie is "alive" to kill(pid, 0); grepping ps matches itself).
#ifndef REAP_REAP_PROC_H_
#define REAP_REAP_PROC_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

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

// Parses the text of /proc/PID/stat. The name is delimited by the first '('
// and the LAST ')', so a name with spaces, parentheses or newlines is fine.
// Returns an error (op "proc", EINVAL) on bad text.
Result<ProcStat> ParseProcStat(std::string_view text);

// Whether a process in STATE (field 3) has exited: a zombie (Z), or one
// being reaped (X). The one definition of "alive" used across reap.
inline bool HasExited(char state) { return state == 'Z' || state == 'X'; }

// Reads /proc/PID/stat. ENOENT/ESRCH when the process is gone (reaped).
Result<ProcStat> ReadProcStat(pid_t pid);

// True when /proc belongs to this process's PID namespace (/proc/self names
// getpid()). False under a /proc of another namespace (unshare -p without a
// new /proc mount), or without /proc: then /proc/PID is not process PID.
bool ProcIsThisNamespaces();

}  // namespace reap

#endif  // REAP_REAP_PROC_H_
