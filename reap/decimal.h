// The one parser of whole decimal numbers (pidfiles, uids, descriptors,
// PIDs and signals on the command line, the suite's options and replies):
// digits only (no sign, no blanks, no base prefix), within a bound. Not
// installed: //reap:decimal. (The child-side /proc/PID/stat parser,
// internal/raw_proc.cc, keeps its own loop: it runs between clone and exec, outside the
// sanitizers' reach, and reads signed fields in place.)
#ifndef REAP_REAP_DECIMAL_H_
#define REAP_REAP_DECIMAL_H_

#include <string_view>

namespace reap {

// True and *OUT set when S is a decimal number <= MAX.
bool ParseDecimal(std::string_view s, unsigned long long max, unsigned long long* out);

}  // namespace reap

#endif  // REAP_REAP_DECIMAL_H_
