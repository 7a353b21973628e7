// Cgroup v2 leaves the suite and the tests own: where cgroup2 is mounted
// writable with cgroup.kill, a fresh leaf to run a caller in, its kill (what
// systemd does to a service with KillMode=control-group), and its removal.
#ifndef REAP_CONFORMANCE_CGROUPS_H_
#define REAP_CONFORMANCE_CGROUPS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace reap_conformance {

// The mount point of a writable cgroup2 with cgroup.kill (Linux 5.14+), or
// "" with *WHY_NOT saying what is missing.
std::string FindCgroup2(std::string* why_not);

class CgroupLeaf {
 public:
  // Makes ROOT/PREFIX.PID.N (a new directory); nullptr with *WHY on failure.
  static std::unique_ptr<CgroupLeaf> Create(const std::string& root, const std::string& prefix,
                                            std::string* why);
  // Kills what is left in it and removes it (bounded: 5 s).
  ~CgroupLeaf();
  CgroupLeaf(const CgroupLeaf&) = delete;
  CgroupLeaf& operator=(const CgroupLeaf&) = delete;

  const std::string& path() const { return path_; }
  // Moves PID (0: the calling process) into the leaf (cgroup.procs); "" or
  // why not.
  std::string Enter(pid_t pid) const;
  // SIGKILLs every process in the leaf and below (cgroup.kill); "" or why not.
  std::string Kill() const;
  // The processes in the leaf itself.
  std::vector<pid_t> Processes() const;

 private:
  explicit CgroupLeaf(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace reap_conformance

#endif  // REAP_CONFORMANCE_CGROUPS_H_
