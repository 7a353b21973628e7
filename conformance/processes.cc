#include "conformance/processes.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <thread>

#include "reap/observe.h"
#include "reap/proc.h"
#include "reap/subreaper.h"

namespace reap_conformance {

bool PollUntil(const std::function<bool()>& pred, Millis deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= end) return pred();
    std::this_thread::sleep_for(Millis(2));
  }
}

bool KillAllDescendants(Reaps* reaps, Millis deadline, const std::function<bool(pid_t)>& spare) {
  auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    reaps->Collect();
    std::vector<pid_t> left = Descendants(getpid());
    if (left.empty()) return true;
    if (std::chrono::steady_clock::now() > end) return false;
    for (pid_t pid : left) {
      if (spare && spare(pid)) continue;
      kill(pid, SIGCONT);
      kill(pid, SIGKILL);
    }
    std::this_thread::sleep_for(Millis(1));
  }
}

std::string TempDir() {
  const char* base = getenv("TEST_TMPDIR");
  std::string templ = std::string(base ? base : "/tmp") + "/reap.XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) std::abort();
  return templ;
}

std::vector<pid_t> Descendants(pid_t root) {
  std::map<pid_t, pid_t> parent;
  for (const reap::ProcStat& st : reap::ListProcesses()) parent[st.pid] = st.ppid;
  std::vector<pid_t> out;
  for (const auto& [pid, ppid] : parent) {
    pid_t up = ppid;
    for (int depth = 0; depth < 64 && up > 0; ++depth) {  // bounded: no cycles
      if (up == root) {
        out.push_back(pid);
        break;
      }
      auto it = parent.find(up);
      if (it == parent.end()) break;
      up = it->second;
    }
  }
  return out;  // ascending: std::map order
}

std::vector<pid_t> DescendantsInSession(pid_t sid) {
  std::vector<pid_t> out;
  for (pid_t pid : Descendants(getpid())) {
    auto st = reap::ReadProcStat(pid);
    if (st.ok() && st->session == sid) out.push_back(pid);
  }
  return out;
}

bool PidIsRunning(pid_t pid) {
  auto st = reap::ReadProcStat(pid);
  return st.ok() && !reap::HasExited(st->state);
}

bool Surviving(pid_t pid) {
  constexpr std::uint32_t kPfExiting = 0x4;
  bool surviving = true;
  PollUntil(
      [&] {
        auto st = reap::ReadProcStat(pid);
        auto status = reap::ReadProcStatus(pid);
        if (!st.ok() || !status.ok() || reap::HasExited(st->state) || (st->flags & kPfExiting) != 0 ||
            (status->sig_pnd & (1ull << (SIGKILL - 1))) != 0) {
          surviving = false;
          return true;
        }
        return st->state != 'R';  // settled: nothing fatal on its way
      },
      Millis(1000));
  return surviving;
}

bool Idle(pid_t pid) {
  auto st = reap::ReadProcStat(pid);
  return st.ok() && (st->state == 'S' || st->state == 'T' || st->state == 't');
}

void Reaps::Collect() {
  for (const reap::Reaped& r : reap::ReapExited()) status[r.pid] = r.status;
}

bool PollReaping(Reaps* reaps, const std::function<bool()>& pred, Millis deadline) {
  return PollUntil(
      [&] {
        reaps->Collect();
        return pred();
      },
      deadline);
}

std::string ReadAll(const std::string& path) {
  auto text = reap::ReadSmallFile(path);
  return text.ok() ? text.value() : "";
}

std::string FdTarget(pid_t pid, int fd) {
  char buf[4096];
  std::string link = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
  ssize_t n = readlink(link.c_str(), buf, sizeof buf);
  return n < 0 ? std::string("(closed)") : std::string(buf, static_cast<std::size_t>(n));
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

}  // namespace reap_conformance
