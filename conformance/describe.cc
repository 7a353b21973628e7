#include "conformance/describe.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

namespace reap_conformance {

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  if (abbrev != nullptr) return std::string("SIG") + abbrev;
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) return "SIGRTMIN+" + std::to_string(sig - SIGRTMIN);
  return "signal " + std::to_string(sig);  // glibc's own 32 and 33
}

std::string DescribeWaitStatus(int status) {
  if (status < 0) return "unknown";
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by " + SignalName(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

std::string DescribeSignalMask(unsigned long long mask) {
  std::string s;
  for (int sig = 1; sig <= 64; ++sig) {
    if (mask & (1ull << (sig - 1))) s += (s.empty() ? "" : " ") + SignalName(sig);
  }
  return s;
}

std::string Ms(std::chrono::steady_clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

}  // namespace reap_conformance
