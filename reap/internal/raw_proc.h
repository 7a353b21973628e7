// /proc/PID/stat parsed without allocating: for the command's process
// between clone and exec (spawn.cc), and the fuzzer. Not installed.
#ifndef REAP_REAP_INTERNAL_RAW_PROC_H_
#define REAP_REAP_INTERNAL_RAW_PROC_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace reap {

// The fields of ProcStat (reap/proc.h) without the name, parsed without
// allocating: safe to call between clone and exec.
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

}  // namespace reap

#endif  // REAP_REAP_INTERNAL_RAW_PROC_H_
