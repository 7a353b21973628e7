#include "reaper/doctor.h"

#include <errno.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "reap/detach.h"
#include "reap/observe.h"
#include "reap/proc.h"

namespace reaper {
namespace {

std::string Describe(pid_t pid) {
  auto st = reap::ReadProcStat(pid);
  return std::to_string(pid) + " (" + (st.ok() ? st->comm : "?") + ")";
}

// The last path component that ends in SUFFIX ("/a/foo.service/x" ->
// "foo.service"), or "".
std::string UnitIn(const std::string& cgroup, const std::string& suffix) {
  std::string unit;
  for (std::size_t b = 0; b < cgroup.size();) {
    std::size_t e = cgroup.find('/', b);
    if (e == std::string::npos) e = cgroup.size();
    std::string part = cgroup.substr(b, e - b);
    if (part.size() > suffix.size() && part.compare(part.size() - suffix.size(), suffix.size(), suffix) == 0)
      unit = part;
    b = e + 1;
  }
  return unit;
}

// Whether logind.conf turns KillUserProcesses on (Debian's default is off).
bool LogindKillsUserProcesses() {
  auto text = reap::ReadSmallFile("/etc/systemd/logind.conf");
  if (!text.ok()) return false;
  bool kill = false;
  std::size_t pos = 0;
  const std::string& t = text.value();
  while (pos < t.size()) {
    std::size_t end = t.find('\n', pos);
    if (end == std::string::npos) end = t.size();
    std::string line = t.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind("KillUserProcesses=", 0) == 0) kill = line.substr(18) == "yes";
  }
  return kill;
}

// Whether this looks like a container: PID 1's environment names one, or
// the files container engines leave.
std::string ContainerHint() {
  auto env = reap::ReadSmallFile("/proc/1/environ");
  if (env.ok()) {
    const std::string& e = env.value();
    std::size_t at = e.find(std::string("container=", 10));
    if (at == 0 || (at != std::string::npos && e[at - 1] == '\0')) {
      return "PID 1's environment says container=" + e.substr(at + 10, e.find('\0', at) - at - 10);
    }
  }
  for (const char* f : {"/.dockerenv", "/run/.containerenv"}) {
    if (access(f, F_OK) == 0) return std::string(f) + " exists";
  }
  return "";
}

}  // namespace

std::string CgroupOf(const std::string& proc_self_cgroup) {
  std::size_t pos = 0;
  std::string systemd_v1;
  while (pos < proc_self_cgroup.size()) {
    std::size_t end = proc_self_cgroup.find('\n', pos);
    if (end == std::string::npos) end = proc_self_cgroup.size();
    std::string line = proc_self_cgroup.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind("0::", 0) == 0 && line.size() > 4) return line.substr(3);
    if (line.find(":name=systemd:") != std::string::npos)
      systemd_v1 = line.substr(line.find(":name=systemd:") + 14);
  }
  return systemd_v1;
}

std::vector<std::string> SupervisorFindings(const std::string& cgroup, bool systemd_running,
                                            const std::string& container, bool kill_user_processes) {
  std::vector<std::string> out;
  const std::string service = UnitIn(cgroup, ".service");
  const std::string session =
      UnitIn(cgroup, ".scope").rfind("session-", 0) == 0 ? UnitIn(cgroup, ".scope") : "";
  out.push_back("cgroup: " + (cgroup.empty() ? std::string("unknown") : cgroup));
  if (!service.empty()) {
    out.push_back("WARNING: this is systemd service " + service +
                  ": with KillMode=control-group (the default) or mixed, a stop, restart or crash "
                  "(Restart=) kills every process in its cgroup. Detached commands die with " +
                  service +
                  "; start them with reaper --cgroup DIR (DIR outside the service: a delegated subtree, or a "
                  "scope's cgroup).");
  } else if (!session.empty()) {
    out.push_back(
        std::string(kill_user_processes ? "WARNING: " : "") + "this is logind session " + session +
        (kill_user_processes
             ? ": KillUserProcesses=yes in logind.conf, so logging out kills every process of the "
               "session, detached ones too; start them with reaper --cgroup DIR (DIR outside the session)."
             : ": KillUserProcesses is off, so detached commands outlive the logout."));
  } else if (systemd_running) {
    out.push_back("systemd runs, but this cgroup is no service or session: nothing here kills it whole.");
  } else {
    out.push_back(
        "no systemd: nothing here kills a cgroup whole unless a supervisor writes its cgroup.kill; "
        "reaper --cgroup DIR starts a command elsewhere.");
  }
  if (!container.empty()) {
    out.push_back("container: " + container +
                  ": when it stops, its PID namespace ends and every process in it dies; nothing can or "
                  "should escape that.");
  }
  return out;
}

int RunDoctor(std::FILE* out) {
  std::fprintf(out, "reaper doctor\n");
  // What would kill a detached command here, beyond its caller.
  auto self_cgroup = reap::ReadSmallFile("/proc/self/cgroup");
  for (const std::string& line : SupervisorFindings(CgroupOf(self_cgroup.ok() ? self_cgroup.value() : ""),
                                                    access("/run/systemd/system", F_OK) == 0, ContainerHint(),
                                                    LogindKillsUserProcesses())) {
    std::fprintf(out, "  %s\n", line.c_str());
  }
  // Everything below is observed through /proc: without one of this PID
  // namespace (none mounted, or another namespace's), nothing can be told.
  if (!reap::ProcIsThisNamespaces()) {
    std::fprintf(out,
                 "  /proc: not mounted, or it belongs to another PID namespace (/proc/self is not pid %d)\n"
                 "verdict: UNKNOWN: adoption and reaping cannot be observed here\n"
                 "advice: mount a /proc of this namespace (unshare --mount-proc, mount -t proc proc /proc) "
                 "and run reaper doctor again.\n",
                 static_cast<int>(getpid()));
    return kDoctorUnknown;
  }
  std::fprintf(out, "  pid 1 of this PID namespace: %s\n", Describe(1).c_str());
  int sub = 0;
  std::fprintf(out, "  PR_SET_CHILD_SUBREAPER: %s\n",
               prctl(PR_GET_CHILD_SUBREAPER, &sub, 0, 0, 0) == 0 ? "available" : "unavailable");
  std::fprintf(out, "  PID namespaces: %s\n",
               access("/proc/self/ns/pid", F_OK) == 0
                   ? (geteuid() == 0 ? "available (running as root)"
                                     : "present (creating one needs CAP_SYS_ADMIN or a user namespace)")
                   : "unavailable");

  // Detach a process that lives briefly, see who adopts it, then whether the
  // adopter reaps it once it exits.
  reap::Command probe;
  probe.program = "/bin/sleep";
  probe.args = {"0.3"};
  auto id = reap::Detach(probe);
  if (!id.ok()) {
    std::fprintf(out, "  probe: could not detach /bin/sleep: %s\n", id.error().ToString().c_str());
    std::fprintf(out, "verdict: UNKNOWN (the check itself failed)\n");
    return kDoctorUnknown;
  }
  auto st = reap::ReadProcStat(id->pid);
  pid_t adopter = st.ok() ? st->ppid : 0;
  std::fprintf(out, "  orphans are adopted by: %s%s\n", Describe(adopter).c_str(),
               adopter == 1 ? " (init of this namespace)" : " (a subreaper)");
  // The probe exits after 0.3 s; then see how long its adopter takes.
  const auto exits_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  auto deadline = exits_at + std::chrono::seconds(5);
  bool reaped = false, zombie = false;
  while (std::chrono::steady_clock::now() < deadline) {
    auto now = reap::ReadProcStat(id->pid);
    if (!now.ok() || now->start_time != id->start_time) {
      reaped = true;
      break;
    }
    zombie = now->state == 'Z';
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (reaped) {
    double after = std::chrono::duration<double>(std::chrono::steady_clock::now() - exits_at).count();
    if (after < 0) after = 0;
    std::fprintf(out, "  exited orphans are reaped: yes, %.2f s after they exit\n", after);
    if (after < 0.5) {
      std::fprintf(out, "verdict: OK: detached processes that exit are reaped here\n");
    } else {
      std::fprintf(out,
                   "verdict: SLOW: %s reaps orphans only about %.1f s after they exit; zombies "
                   "linger that long and pile up under frequent detaches.\n"
                   "advice: for prompt reaping run under tini, dumb-init or catatonit, or make the "
                   "service a subreaper (reap::BecomeSubreaper, reap::ReapExited).\n",
                   Describe(adopter).c_str(), after);
    }
    return 0;
  }
  std::fprintf(out, "  exited orphans are reaped: NO (pid %d is %s, parent %s)\n", id->pid,
               zombie ? "a zombie" : "still running", Describe(adopter).c_str());
  std::fprintf(out,
               "verdict: PROBLEM: %s does not reap orphans; every detached process that "
               "exits stays a zombie.\n"
               "advice: run the service under an init that reaps (tini, dumb-init, "
               "catatonit, systemd), or make the service that detaches a subreaper "
               "(prctl(PR_SET_CHILD_SUBREAPER), reap::BecomeSubreaper) and reap its "
               "adopted children (reap::ReapExited).\n",
               Describe(adopter).c_str());
  return 1;
}

}  // namespace reaper
