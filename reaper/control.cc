#include "reaper/control.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include <chrono>
#include <cstdlib>
#include <optional>

#include "reap/decimal.h"
#include "reap/handle.h"
#include "reap/identity.h"
#include "reap/pidfile.h"
#include "reap/proc.h"
#include "reaper/output.h"
#include "reaper/unit.h"

namespace reaper {
namespace {

struct Target {
  reap::Identity id;
  std::string pidfile;  // when given by --pidfile
  std::string Name() const {
    std::string pair = std::to_string(id.pid) + ":" + std::to_string(id.start_time);
    return pidfile.empty() ? pair : pidfile + " (" + pair + ")";
  }
};

struct Parsed {
  std::string command;
  int sig = 0;
  std::optional<double> timeout;
  std::string target;  // "--pidfile FILE" already split: pidfile or pair
  bool by_pidfile = false;
};

// "TERM", "SIGTERM", "15" -> 15; 0 when unknown.
int ParseSignal(const std::string& s) {
  unsigned long long n = 0;
  if (reap::ParseDecimal(s, 64, &n)) return static_cast<int>(n);
  std::string name = s.rfind("SIG", 0) == 0 ? s.substr(3) : s;
  for (int sig = 1; sig < NSIG; ++sig) {
    const char* abbrev = sigabbrev_np(sig);
    if (abbrev != nullptr && name == abbrev) return sig;
  }
  return -1;
}

std::string ParseControlArgs(const std::vector<std::string>& args, Parsed* p) {
  p->command = args[0];
  std::size_t i = 1;
  if (p->command == "signal") {
    if (i >= args.size()) return "signal needs SIGNAL TARGET";
    p->sig = ParseSignal(args[i]);
    if (p->sig < 0) return "unknown signal '" + args[i] + "'";
    ++i;
  }
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--timeout" && (p->command == "stop" || p->command == "wait")) {
      if (i + 1 >= args.size()) return "--timeout needs SECONDS";
      char* end = nullptr;
      double t = std::strtod(args[i + 1].c_str(), &end);
      if (end == args[i + 1].c_str() || *end != '\0' || !(t >= 0) || t > 1e6) {
        return "--timeout wants seconds (>= 0), not '" + args[i + 1] + "'";
      }
      p->timeout = t;
      ++i;
    } else if (a == "--pidfile") {
      if (i + 1 >= args.size()) return "--pidfile needs FILE";
      if (!p->target.empty()) return "one TARGET only";
      p->target = args[++i];
      p->by_pidfile = true;
    } else if (!a.empty() && a[0] != '-' && p->target.empty()) {
      p->target = a;
    } else {
      return "unexpected argument '" + a + "'";
    }
  }
  if (p->target.empty()) return p->command + " needs a TARGET: --pidfile FILE, PID:START_TIME or UNIT.scope";
  return "";
}

// PID:START_TIME, or a bare PID (start_time 0: checked by PID alone).
std::optional<reap::Identity> ParsePair(const std::string& s) {
  reap::Identity id;
  std::size_t colon = s.find(':');
  unsigned long long pid = 0, start = 0;
  if (!reap::ParseDecimal(s.substr(0, colon), 0x7fffffff, &pid) || pid == 0) return std::nullopt;
  if (colon != std::string::npos && !reap::ParseDecimal(s.substr(colon + 1), ~0ull, &start))
    return std::nullopt;
  id.pid = static_cast<pid_t>(pid);
  id.start_time = start;
  return id;
}

// LSB status: 0 running, 1 dead but the pidfile exists, 3 not running.
int Status(const Target& t, std::FILE* out) {
  auto h = reap::ProcessHandle::Open(t.id);
  if (h.ok() && !h->Exited()) {
    auto stat = reap::ReadProcStat(t.id.pid);  // read while the pidfd pins the process
    if (t.id.start_time == 0 && t.pidfile.empty() && stat.ok() && !h->Exited()) {
      // Checked by PID alone: say so, with the pair that names this process.
      std::fprintf(out, "running %d:%llu (checked by PID alone; use this PID:START_TIME from now on)\n",
                   t.id.pid, static_cast<unsigned long long>(stat->start_time));
      return 0;
    }
    std::fprintf(out, "running %d:%llu\n", t.id.pid, static_cast<unsigned long long>(t.id.start_time));
    return 0;
  }
  std::string why = h.ok()                   ? "pid " + std::to_string(t.id.pid) + " has exited"
                    : h.error().err == ESRCH ? "no process has pid " + std::to_string(t.id.pid)
                                             : h.error().Message();
  std::fprintf(out, "not running: %s\n", why.c_str());
  return t.pidfile.empty() ? 3 : 1;
}

int CodeFor(const reap::Error& e) {
  if (e.err == ESRCH) return kControlNotRunning;
  if (e.err == ESTALE) return kControlRecycled;
  if (e.err == ENOTSUP) return kControlUnknown;
  return kControlFailed;
}

// The error's message, saying for a recycled PID that it was left alone.
std::string Refused(const reap::Error& e) {
  return e.err == ESTALE ? e.Message() + "; nothing was signalled" : e.Message();
}

std::chrono::milliseconds Millis(const std::optional<double>& seconds, std::chrono::milliseconds otherwise) {
  return seconds ? std::chrono::milliseconds(static_cast<long long>(*seconds * 1000)) : otherwise;
}

// The same commands on a scope (started with --scope): every process in
// its cgroup.
int RunOnUnit(const Parsed& p, std::FILE* out, std::FILE* err) {
  const std::string& unit = p.target;
  UnitCgroup cgroup;
  std::string why;
  if (!cgroup.Find(unit, "", &why)) {
    if (p.command == "status") {
      std::fprintf(out, "unknown: %s\n", why.c_str());
      return 4;
    }
    return PrintFailure(err, p.command + ": " + unit + ": " + why, kControlUnknown);
  }
  std::vector<pid_t> pids = cgroup.found() ? cgroup.Processes() : std::vector<pid_t>{};
  if (pids.empty()) {
    if (p.command == "status") {
      std::fprintf(out, "not running: no process in %s\n", unit.c_str());
      return 3;
    }
    return PrintFailure(err, p.command + ": " + unit + ": not running (no process in it)",
                        kControlNotRunning);
  }
  if (p.command == "status") {
    std::string list;
    for (pid_t pid : pids) list += " " + std::to_string(pid);
    std::fprintf(out, "running %s (pid%s%s)\n", unit.c_str(), pids.size() > 1 ? "s" : "", list.c_str());
    return 0;
  }
  if (p.command == "wait") {
    if (cgroup.WaitUntilEmpty(Millis(p.timeout, std::chrono::milliseconds::max()))) return kControlDone;
    return PrintFailure(
        err, "wait: " + unit + " still running after " + FormatSeconds(p.timeout.value_or(0)) + " s",
        kControlFailed);
  }
  int sig = p.command == "signal" ? p.sig : SIGTERM;
  int errno_value = 0;
  if (cgroup.Signal(sig, &errno_value) == 0 && errno_value != 0) {
    return PrintFailure(err, p.command + ": " + unit + ": " + strerror(errno_value), kControlFailed);
  }
  if (p.command == "signal") return kControlDone;
  // stop: TERM to all, wait, then kill the cgroup whole.
  double grace = p.timeout.value_or(10.0);
  if (cgroup.WaitUntilEmpty(Millis(grace, {}))) {
    std::fprintf(out, "stopped %s (SIGTERM)\n", unit.c_str());
    return kControlDone;
  }
  if (std::string failed = cgroup.Kill(); !failed.empty())
    return PrintFailure(err, "stop: " + failed, kControlFailed);
  if (cgroup.WaitUntilEmpty(std::chrono::seconds(5))) {
    std::fprintf(out, "stopped %s (SIGKILL after %s s)\n", unit.c_str(), FormatSeconds(grace).c_str());
    return kControlDone;
  }
  return PrintFailure(err, "stop: " + unit + " still has processes 5 s after SIGKILL", kControlFailed);
}

}  // namespace

bool IsControlCommand(const std::vector<std::string>& args) {
  return !args.empty() &&
         (args[0] == "status" || args[0] == "signal" || args[0] == "stop" || args[0] == "wait");
}

int RunControl(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  Parsed p;
  if (std::string why = ParseControlArgs(args, &p); !why.empty()) {
    return PrintFailure(err, "usage: " + why + " (see reaper --help)", kControlUsage);
  }
  if (!p.by_pidfile && IsUnitTarget(p.target)) return RunOnUnit(p, out, err);
  Target t;
  if (p.by_pidfile) {
    t.pidfile = p.target;
    auto id = reap::ReadPidfileIdentity(p.target);
    if (!id.ok()) {
      if (id.error().err == ENOENT) {
        if (p.command == "status") {
          std::fprintf(out, "not running: no pidfile %s\n", p.target.c_str());
          return 3;
        }
        return PrintFailure(err, p.command + ": " + p.target + ": no such pidfile (not running)",
                            kControlNotRunning);
      }
      return PrintFailure(err, p.command + ": " + id.error().Message(),
                          p.command == "status" ? 4 : kControlUnknown);
    }
    t.id = id.value();
  } else {
    auto id = ParsePair(p.target);
    if (!id) {
      return PrintFailure(err, "usage: TARGET must be PID:START_TIME or UNIT.scope, not '" + p.target + "'",
                          kControlUsage);
    }
    t.id = *id;
    // A PID alone may by now name another process: fine to look at (status
    // prints the pair to use), never to signal.
    if (t.id.start_time == 0 && (p.command == "signal" || p.command == "stop")) {
      return PrintFailure(
          err,
          "usage: " + p.command + " " + p.target +
              ": a PID alone may name a recycled process; give PID:START_TIME (reaper status " + p.target +
              " prints it), --pidfile FILE or UNIT.scope",
          kControlUsage);
    }
  }

  if (p.command == "status") {
    if (!reap::ProcIsThisNamespaces() && t.id.start_time != 0) {
      std::fprintf(out, "unknown: no /proc of this PID namespace\n");
      return 4;
    }
    return Status(t, out);
  }
  auto h = reap::ProcessHandle::Open(t.id);
  if (!h.ok()) return PrintFailure(err, p.command + ": " + Refused(h.error()), CodeFor(h.error()));
  if (p.command == "signal") {
    if (auto st = h->Signal(p.sig); !st.ok()) {
      return PrintFailure(err, "signal: " + Refused(st.error()), CodeFor(st.error()));
    }
    return kControlDone;
  }
  if (p.command == "wait") {
    // No --timeout: as long as it takes (WaitForExit saturates).
    if (h->WaitForExit(Millis(p.timeout, std::chrono::milliseconds::max()))) return kControlDone;
    return PrintFailure(err,
                        "wait: " + t.Name() +
                            (p.timeout ? " still running after " + FormatSeconds(*p.timeout) + " s"
                                       : " could not be waited for"),
                        kControlFailed);
  }
  // stop: TERM, wait, then KILL.
  double grace = p.timeout.value_or(10.0);
  if (auto st = h->Signal(SIGTERM); !st.ok())
    return PrintFailure(err, "stop: " + Refused(st.error()), CodeFor(st.error()));
  if (h->WaitForExit(Millis(grace, {}))) {
    std::fprintf(out, "stopped %s (SIGTERM)\n", t.Name().c_str());
    return kControlDone;
  }
  if (auto st = h->Signal(SIGKILL); !st.ok() && st.error().err != ESRCH) {
    return PrintFailure(err, "stop: " + Refused(st.error()), CodeFor(st.error()));
  }
  if (h->WaitForExit(std::chrono::seconds(5))) {
    std::fprintf(out, "stopped %s (SIGKILL after %s s)\n", t.Name().c_str(), FormatSeconds(grace).c_str());
    return kControlDone;
  }
  return PrintFailure(err, "stop: " + t.Name() + " still running 5 s after SIGKILL", kControlFailed);
}

}  // namespace reaper
