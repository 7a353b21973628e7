// Words for what a wait status, a signal number, a signal mask and a span
// of time mean, for verdict reasons.
#ifndef REAP_CONFORMANCE_DESCRIBE_H_
#define REAP_CONFORMANCE_DESCRIBE_H_

#include <chrono>
#include <string>

namespace reap_conformance {

// "exit 127", "killed by SIGKILL".
std::string DescribeWaitStatus(int status);
// "SIGHUP", "SIGRTMIN+3", "signal 32".
std::string SignalName(int sig);
// "SIGINT SIGQUIT".
std::string DescribeSignalMask(unsigned long long mask);
// "12 ms".
std::string Ms(std::chrono::steady_clock::duration d);

}  // namespace reap_conformance

#endif  // REAP_CONFORMANCE_DESCRIBE_H_
