#include "reaper/doctor.h"

#include <errno.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "reap/detach.h"
#include "reap/proc.h"

namespace reaper {
namespace {

std::string Describe(pid_t pid) {
  auto st = reap::ReadProcStat(pid);
  return std::to_string(pid) + " (" + (st.ok() ? st->comm : "?") + ")";
}

}  // namespace

int RunDoctor(std::FILE* out) {
  std::fprintf(out, "reaper doctor\n");
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
