#include "reaper/unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

#include "reap/handle.h"
#include "reap/identity.h"
#include "reap/observe.h"
#include "reap/proc.h"
#include "reaper/doctor.h"

namespace reaper {
namespace {

constexpr int kMaxDepth = 32;  // systemd's trees are a few levels deep

// Calls VISIT for each directory below DIR (not DIR itself), depth first;
// VISIT returns false to stay out of that directory.
void ForEachSubdirectory(const std::string& dir, int depth,
                         const std::function<bool(const std::string& path, const char* name)>& visit) {
  if (depth > kMaxDepth) return;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return;
  while (dirent* e = readdir(d)) {
    if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
    std::string path = dir + "/" + e->d_name;
    if (visit(path, e->d_name)) ForEachSubdirectory(path, depth + 1, visit);
  }
  closedir(d);
}

}  // namespace

bool IsUnitTarget(const std::string& target) {
  const std::string suffix = ".scope";
  return target.size() > suffix.size() &&
         target.compare(target.size() - suffix.size(), suffix.size(), suffix) == 0 &&
         target.find('/') == std::string::npos;
}

bool UnitCgroup::Find(const std::string& unit, const std::string& cgroup2_root, std::string* why) {
  dir_.clear();
  relative_.clear();
  std::string root = cgroup2_root.empty() ? reap::Cgroup2Mount() : cgroup2_root;
  if (root.empty()) {
    *why = "no cgroup2 hierarchy is mounted here: a scope's processes cannot be found";
    return false;
  }
  std::vector<std::string> matches;
  ForEachSubdirectory(root, 0, [&](const std::string& path, const char* name) {
    if (unit != name) return true;
    matches.push_back(path);
    return false;
  });
  if (matches.size() > 1) {
    *why = "two cgroups are named " + unit + ": " + matches[0] + " and " + matches[1];
    return false;
  }
  if (!matches.empty()) {
    dir_ = matches[0];
    relative_ = dir_.substr(root.size());
  }
  return true;
}

namespace {

bool SaysPopulated(const std::string& events) {
  return events.rfind("populated 1\n", 0) == 0 || events.find("\npopulated 1\n") != std::string::npos;
}

}  // namespace

bool UnitCgroup::Populated() const {
  auto events = reap::ReadSmallFile(dir_ + "/cgroup.events");
  return events.ok() && SaysPopulated(events.value());  // removed: systemd collected the empty scope
}

std::vector<pid_t> UnitCgroup::Processes() const {
  std::vector<pid_t> out = reap::CgroupProcesses(dir_);
  ForEachSubdirectory(dir_, 0, [&](const std::string& path, const char*) {
    std::vector<pid_t> below = reap::CgroupProcesses(path);
    out.insert(out.end(), below.begin(), below.end());
    return true;
  });
  std::sort(out.begin(), out.end());
  return out;
}

int UnitCgroup::Signal(int sig, int* err) const {
  int signalled = 0;
  for (pid_t pid : Processes()) {
    auto stat = reap::ReadProcStat(pid);
    if (!stat.ok()) continue;  // gone already
    reap::Identity id;
    id.pid = pid;
    id.start_time = stat->start_time;
    auto handle = reap::ProcessHandle::Open(id);
    if (!handle.ok()) continue;  // gone, or its PID recycled
    // Still this unit's? (Read while the handle pins the process: were it
    // gone and its PID reused, the signal below goes nowhere.)
    auto cgroup = reap::ReadSmallFile("/proc/" + std::to_string(pid) + "/cgroup");
    if (!cgroup.ok()) continue;
    std::string path = CgroupOf(cgroup.value());
    if (path != relative_ && path.rfind(relative_ + "/", 0) != 0) continue;
    auto st = handle->Signal(sig);
    if (st.ok()) {
      ++signalled;
    } else if (st.error().err != ESRCH) {
      *err = st.error().err;
    }
  }
  return signalled;
}

std::string UnitCgroup::Kill() const {
  int fd = open((dir_ + "/cgroup.kill").c_str(), O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = write(fd, "1", 1);
    int e = errno;
    close(fd);
    if (n == 1) return "";
    return dir_ + "/cgroup.kill: " + strerror(e);
  }
  if (errno != ENOENT) return dir_ + "/cgroup.kill: " + strerror(errno);
  if (access(dir_.c_str(), F_OK) != 0) return "";  // the scope is gone
  int err = 0;
  Signal(SIGKILL, &err);  // before Linux 5.14: one by one
  return err == 0 ? "" : std::string("SIGKILL: ") + strerror(err);
}

bool UnitCgroup::WaitUntilEmpty(std::chrono::milliseconds timeout) const {
  using Clock = std::chrono::steady_clock;
  const bool forever = timeout == std::chrono::milliseconds::max();
  const Clock::time_point deadline = forever ? Clock::time_point::max() : Clock::now() + timeout;
  int fd = open((dir_ + "/cgroup.events").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;  // removed: systemd collected the empty scope
  bool empty = false;
  for (;;) {
    // Read through the polled descriptor: reading it re-arms its POLLPRI.
    char buf[256];
    ssize_t n = lseek(fd, 0, SEEK_SET) == 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || !SaysPopulated(std::string(buf, static_cast<std::size_t>(n)))) {
      empty = true;  // n < 0: ENODEV once the cgroup is removed
      break;
    }
    Clock::time_point now = Clock::now();
    if (now >= deadline) break;
    // A change of cgroup.events wakes poll (POLLPRI); the slice bounds a
    // wait on a kernel that does not notify.
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
    int slice = static_cast<int>(std::min<long long>(left, 200));
    pollfd p{fd, POLLPRI, 0};
    if (poll(&p, 1, slice) < 0 && errno != EINTR) usleep(static_cast<useconds_t>(slice) * 1000);
  }
  close(fd);
  return empty;
}

}  // namespace reaper
