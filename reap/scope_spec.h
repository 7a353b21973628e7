// What a transient systemd scope asks for (reap/scope.h makes one), and its
// checks, which need no systemd: part of the core library, so that a caller
// (or reaper's option parser) can refuse a bad request before anything runs.
#ifndef REAP_REAP_SCOPE_SPEC_H_
#define REAP_REAP_SCOPE_SPEC_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "reap/command.h"
#include "reap/error.h"

namespace reap {

struct Scope {
  // Unit name, ending in ".scope"; empty: "reap-PID.scope".
  std::string name;
  // The slice to put it in ("workers.slice"); empty: the manager's default.
  std::string slice;
  // Empty: "reap: PROGRAM ARG..." (shortened to 200 bytes).
  std::string description;
  // Unit properties as systemd-run -p takes them, for resource limits:
  // MemoryMax, MemoryHigh, MemoryLow, MemorySwapMax (bytes, K/M/G/T
  // suffixes, or "infinity"), TasksMax (a number or "infinity"), CPUWeight,
  // IOWeight (1..10000), CPUQuota ("50%"). Others are refused.
  std::vector<std::pair<std::string, std::string>> properties;
  // How long systemd may take to confirm the scope.
  std::chrono::milliseconds timeout{10000};
};

// Checks the name, slice, properties and timeout (op "scope", EINVAL, and
// `reason` says what is wrong).
[[nodiscard]] Status ValidateScope(const Scope& scope);

// A property as systemd wants it on the bus (every one reaper takes has
// D-Bus type "t"): CPUQuota=50% is CPUQuotaPerSecUSec=500000.
struct BusProperty {
  std::string name;
  std::uint64_t value;
};
// nullopt when NAME is not one of Scope::properties' or VALUE is malformed.
std::optional<BusProperty> ToBusProperty(const std::string& name, const std::string& value);

// "reap-PID.scope" unless SCOPE names one; "reap: PROGRAM ARG..." unless
// SCOPE has a description.
std::string ScopeUnitName(const Scope& scope, pid_t pid);
std::string ScopeDescription(const Scope& scope, const Command& command);

}  // namespace reap

#endif  // REAP_REAP_SCOPE_SPEC_H_
