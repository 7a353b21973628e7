#include "conformance/cgroups.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "conformance/processes.h"
#include "reap/observe.h"
#include "reap/proc.h"

namespace reap_conformance {
namespace {

// Writes TEXT to PATH in one write(2), as cgroup files want; "" or why not.
std::string WriteFile(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return path + ": " + strerror(errno);
  ssize_t n = write(fd, text.data(), text.size());
  int err = errno;
  close(fd);
  if (n != static_cast<ssize_t>(text.size())) return path + ": " + strerror(n < 0 ? err : EIO);
  return "";
}

}  // namespace

std::string FindCgroup2(std::string* why_not) {
  std::string root = reap::Cgroup2Mount();
  if (root.empty()) {
    *why_not = "no cgroup2 file system is mounted";
    return "";
  }
  if (access(root.c_str(), W_OK) != 0) {
    *why_not = "cgroup2 at " + root + " is not writable here: " + strerror(errno);
    return "";
  }
  return root;
}

std::unique_ptr<CgroupLeaf> CgroupLeaf::Create(const std::string& root, const std::string& prefix,
                                               std::string* why) {
  static std::atomic<int> serial{0};
  std::string path = root + "/" + prefix + "." + std::to_string(getpid()) + "." + std::to_string(++serial);
  if (mkdir(path.c_str(), 0755) != 0) {
    *why = "mkdir " + path + ": " + strerror(errno);
    return nullptr;
  }
  std::unique_ptr<CgroupLeaf> leaf(new CgroupLeaf(path));
  if (access((path + "/cgroup.kill").c_str(), W_OK) != 0) {
    *why = path + "/cgroup.kill: " + strerror(errno) + " (cgroup.kill needs Linux 5.14+)";
    return nullptr;  // the destructor removes the directory
  }
  return leaf;
}

std::string CgroupLeaf::Enter(pid_t pid) const {
  return WriteFile(path_ + "/cgroup.procs", std::to_string(pid));
}

std::string CgroupLeaf::Kill() const { return WriteFile(path_ + "/cgroup.kill", "1"); }

std::vector<pid_t> CgroupLeaf::Processes() const { return reap::CgroupProcesses(path_); }

CgroupLeaf::~CgroupLeaf() {
  // A killed process leaves the cgroup as it exits; until then rmdir says
  // EBUSY. Whoever adopted it reaps it.
  PollUntil(
      [&] {
        if (rmdir(path_.c_str()) == 0 || errno == ENOENT) return true;
        Kill();
        return false;
      },
      Millis(5000));
}

}  // namespace reap_conformance
