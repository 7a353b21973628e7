// Detaching into a transient systemd scope: an optional part of reap (the
// target //reap:scope, which links libsystemd's sd-bus; //reap does not).
// Scope and its checks are in reap/scope_spec.h (core).
//
// A detached command still lives in its caller's cgroup. When the caller is
// a systemd service, a stop, restart or crash of the service (KillMode
// control-group or mixed) kills that cgroup whole, detached command
// included. Moved into a scope of its own, the command outlives all three.
//
//   reap::Scope scope;
//   scope.properties = {{"MemoryMax", "1G"}};
//   auto started = reap::DetachIntoScope(cmd, scope);
//   if (!started.ok()) { log(started.error().ToString()); return; }
//   use(started->id.pid, started->unit);  // "reap-4711.scope"
#ifndef REAP_REAP_SCOPE_H_
#define REAP_REAP_SCOPE_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "reap/command.h"
#include "reap/error.h"
#include "reap/identity.h"
#include "reap/scope_spec.h"

namespace reap {

struct ScopedIdentity {
  Identity id;
  std::string unit;  // the scope's unit name
};

// The step itself: a new transient scope UNIT holding the running process
// PID, described by DESCRIPTION, once systemd confirmed it. Kills nothing.
[[nodiscard]] Status MoveIntoNewScope(pid_t pid, const std::string& unit, const Scope& scope,
                                      const std::string& description);

// Starts COMMAND as Detach does, then has systemd make a new transient
// scope holding it (StartTransientUnit, CollectMode=inactive-or-failed):
// the system manager when the caller is root, else the caller's user
// manager. Returns once systemd has confirmed the job (bounded by
// scope.timeout). If the scope cannot be made, the command is killed
// before the error returns, so nothing is left; the error has op "scope"
// and systemd's own error text. A command that has exited already when the
// scope would be made (it ran) is a success with an empty unit.
// Thread-safe.
[[nodiscard]] Result<ScopedIdentity> DetachIntoScope(const Command& command, const Scope& scope);

// The same over DetachAsIntermediate (for a launcher that exits next, such
// as reaper): a command that cannot be put in its scope is killed and
// reaped before the error returns.
[[nodiscard]] Result<ScopedIdentity> DetachAsIntermediateIntoScope(const Command& command,
                                                                   const Scope& scope);

}  // namespace reap

#endif  // REAP_REAP_SCOPE_H_
