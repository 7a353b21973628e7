// What the probe (conformance/probe) reports about itself from inside the
// detached command: one line of "key=value" fields.
#ifndef REAP_CONFORMANCE_PROBE_REPORT_H_
#define REAP_CONFORMANCE_PROBE_REPORT_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace reap_conformance {

// What the probe (the detached command) said about itself, from inside.
struct ProbeReport {
  pid_t pid = 0, ppid = 0, pgid = 0, sid = 0;
  int tty = -1;
  std::uint64_t start = 0, sigign = ~0ull, sigblk = ~0ull;
  std::vector<int> fds;
  std::vector<std::string> argv;  // as the probe received it (empty: not reported)
};
// Parses one line written by conformance/probe ("pid=.. ppid=.. ...").
std::optional<ProbeReport> ParseProbeReport(const std::string& line);

// The report the probe wrote to PATH (its first line), once it is complete.
std::optional<ProbeReport> ReadProbeReport(const std::string& path);

}  // namespace reap_conformance

#endif  // REAP_CONFORMANCE_PROBE_REPORT_H_
