// Transient scopes over sd-bus, the library systemd's own tools use:
// StartTransientUnit with the command's PID, then the job's JobRemoved
// signal, as `systemd-run --scope` does for itself.
#include "reap/scope.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <optional>

#include "reap/detach.h"
#include "reap/proc.h"

namespace reap {
namespace {

Error ScopeError(int err, std::string what, std::string reason) {
  return OpError("scope", err, std::move(what), std::move(reason));
}

// sd-bus objects freed on every path.
struct Bus {
  sd_bus* bus = nullptr;
  sd_bus_slot* slot = nullptr;
  ~Bus() {
    sd_bus_slot_unref(slot);
    sd_bus_flush_close_unref(bus);
  }
};
struct BusError {
  sd_bus_error e = SD_BUS_ERROR_NULL;
  ~BusError() { sd_bus_error_free(&e); }
  std::string Text(int r) const {
    if (e.message != nullptr) return e.message;
    return strerror(r < 0 ? -r : r);
  }
};
struct Message {
  sd_bus_message* m = nullptr;
  ~Message() { sd_bus_message_unref(m); }
};

// Every JobRemoved seen: job object path -> result.
int OnJobRemoved(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* removed = static_cast<std::map<std::string, std::string>*>(userdata);
  std::uint32_t id = 0;
  const char *job = nullptr, *unit = nullptr, *result = nullptr;
  if (sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) >= 0) (*removed)[job] = result;
  return 0;
}

// Makes the scope NAME holding PID; "" on success, else the error.
std::optional<Error> StartScope(pid_t pid, const std::string& name, const Scope& scope,
                                const std::string& description) {
  const bool system = geteuid() == 0;
  const char* manager = system ? "system" : "user";
  Bus b;
  int r = system ? sd_bus_open_system(&b.bus) : sd_bus_open_user(&b.bus);
  if (r < 0) {
    return ScopeError(-r, name,
                      std::string("cannot reach the systemd ") + manager + " manager's bus (" + strerror(-r) +
                          "): is systemd running?");
  }
  std::map<std::string, std::string> removed;
  r = sd_bus_match_signal(b.bus, &b.slot, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                          "org.freedesktop.systemd1.Manager", "JobRemoved", OnJobRemoved, &removed);
  if (r < 0) return ScopeError(-r, name, std::string("cannot watch for JobRemoved: ") + strerror(-r));
  const std::uint64_t usec = static_cast<std::uint64_t>(scope.timeout.count()) * 1000;
  {
    BusError error;
    r = sd_bus_call_method(b.bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                           "org.freedesktop.systemd1.Manager", "Subscribe", &error.e, nullptr, "");
    if (r < 0)
      return ScopeError(-r, name, "the systemd " + std::string(manager) + " manager: " + error.Text(r));
  }
  Message m;
  r = sd_bus_message_new_method_call(b.bus, &m.m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                     "org.freedesktop.systemd1.Manager", "StartTransientUnit");
  if (r >= 0) r = sd_bus_message_append(m.m, "ss", name.c_str(), "fail");
  if (r >= 0) r = sd_bus_message_open_container(m.m, 'a', "(sv)");
  if (r >= 0) r = sd_bus_message_append(m.m, "(sv)", "Description", "s", description.c_str());
  if (r >= 0) r = sd_bus_message_append(m.m, "(sv)", "CollectMode", "s", "inactive-or-failed");
  if (r >= 0) r = sd_bus_message_append(m.m, "(sv)", "PIDs", "au", 1, static_cast<std::uint32_t>(pid));
  if (r >= 0 && !scope.slice.empty())
    r = sd_bus_message_append(m.m, "(sv)", "Slice", "s", scope.slice.c_str());
  for (const auto& [key, value] : scope.properties) {
    auto p = ToBusProperty(key, value);  // checked by ValidateScope
    if (r >= 0 && p) r = sd_bus_message_append(m.m, "(sv)", p->name.c_str(), "t", p->value);
  }
  if (r >= 0) r = sd_bus_message_close_container(m.m);
  if (r >= 0) r = sd_bus_message_append(m.m, "a(sa(sv))", 0);
  if (r < 0) return ScopeError(-r, name, std::string("cannot build the request: ") + strerror(-r));
  BusError error;
  Message reply;
  r = sd_bus_call(b.bus, m.m, usec, &error.e, &reply.m);
  if (r < 0)
    return ScopeError(-r, name, "the systemd " + std::string(manager) + " manager: " + error.Text(r));
  const char* job = nullptr;
  r = sd_bus_message_read(reply.m, "o", &job);
  if (r < 0) return ScopeError(-r, name, std::string("unreadable reply: ") + strerror(-r));
  const std::string job_path = job;
  // Until the job is done; the signal may already be queued.
  const std::uint64_t deadline =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count()) +
      usec;
  for (;;) {
    auto it = removed.find(job_path);
    if (it != removed.end()) {
      if (it->second == "done") return std::nullopt;
      return ScopeError(EIO, name, "systemd's job for it ended with result '" + it->second + "'");
    }
    r = sd_bus_process(b.bus, nullptr);
    if (r < 0) return ScopeError(-r, name, std::string("the bus: ") + strerror(-r));
    if (r > 0) continue;
    const std::uint64_t now =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::steady_clock::now().time_since_epoch())
                                       .count());
    if (now >= deadline) {
      return ScopeError(ETIMEDOUT, name,
                        "systemd did not confirm it within " + std::to_string(scope.timeout.count()) + " ms");
    }
    r = sd_bus_wait(b.bus, deadline - now);
    if (r < 0 && r != -EINTR) return ScopeError(-r, name, std::string("the bus: ") + strerror(-r));
  }
}

// Kills the command ID that could not be put in its scope. Through a pidfd
// checked against the start time, so a recycled PID is never hit.
void KillCommand(const Identity& id, bool our_child) {
  int fd = static_cast<int>(syscall(SYS_pidfd_open, id.pid, 0));
  if (fd >= 0) {
    if (IsSameProcess(id)) syscall(SYS_pidfd_send_signal, fd, SIGKILL, nullptr, 0);
    close(fd);
  }
  if (our_child) {
    while (waitpid(id.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

template <typename DetachFn>
Result<ScopedIdentity> DetachThenMove(const Command& command, const Scope& scope, DetachFn detach,
                                      bool our_child) {
  if (Status valid = ValidateScope(scope); !valid.ok()) return valid.error();
  auto id = detach(command);
  if (!id.ok()) return id.error();
  ScopedIdentity out{id.value(), ScopeUnitName(scope, id->pid)};
  if (auto e = StartScope(id->pid, out.unit, scope, ScopeDescription(scope, command))) {
    if (!IsRunning(id.value())) {
      out.unit.clear();  // it ran and is done already: nothing to put in a scope
      return out;
    }
    KillCommand(id.value(), our_child);
    return *e;
  }
  return out;
}

}  // namespace

Status MoveIntoNewScope(pid_t pid, const std::string& unit, const Scope& scope,
                        const std::string& description) {
  if (Status valid = ValidateScope(scope); !valid.ok()) return valid.error();
  if (auto e = StartScope(pid, unit, scope, description)) return *e;
  return OkStatus();
}

Result<ScopedIdentity> DetachIntoScope(const Command& command, const Scope& scope) {
  return DetachThenMove(command, scope, &Detach, false);
}

Result<ScopedIdentity> DetachAsIntermediateIntoScope(const Command& command, const Scope& scope) {
  return DetachThenMove(command, scope, &DetachAsIntermediate, true);
}

}  // namespace reap
