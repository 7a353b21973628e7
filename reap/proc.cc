#include "reap/proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "reap/decimal.h"
#include "reap/internal/raw_proc.h"
#include "reap/observe.h"

namespace reap {
namespace {

std::string ProcPath(pid_t pid, const char* leaf) { return "/proc/" + std::to_string(pid) + "/" + leaf; }

}  // namespace

Result<std::string> ReadSmallFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return OpError("proc", errno, path);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      close(fd);
      return OpError("proc", e, path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return out;
}

Result<ProcStat> ParseProcStat(std::string_view text) {
  RawProcStat raw;
  if (!ParseRawProcStat(text.data(), text.size(), &raw)) {
    return OpError("proc", EINVAL, "stat", "malformed /proc/PID/stat text");
  }
  ProcStat s;
  s.pid = raw.pid;
  s.comm = std::string(text.substr(raw.comm_begin, raw.comm_len));
  s.state = raw.state;
  s.ppid = raw.ppid;
  s.pgrp = raw.pgrp;
  s.session = raw.session;
  s.tty_nr = raw.tty_nr;
  s.flags = raw.flags;
  s.start_time = raw.start_time;
  return s;
}

Result<ProcStat> ReadProcStat(pid_t pid) {
  auto text = ReadSmallFile(ProcPath(pid, "stat"));
  if (!text.ok()) return text.error();
  return ParseProcStat(text.value());
}

Result<ProcStatus> ReadProcStatus(pid_t pid) {
  auto text = ReadSmallFile(ProcPath(pid, "status"));
  if (!text.ok()) return text.error();
  ProcStatus st;
  const std::string& t = text.value();
  std::size_t pos = 0;
  while (pos < t.size()) {
    std::size_t end = t.find('\n', pos);
    if (end == std::string::npos) end = t.size();
    std::string_view line(t.data() + pos, end - pos);
    auto hex = [&](std::string_view key, std::uint64_t* out) {
      if (line.substr(0, key.size()) != key) return;
      *out = std::strtoull(std::string(line.substr(key.size())).c_str(), nullptr, 16);
    };
    hex("SigBlk:", &st.sig_blk);
    hex("SigIgn:", &st.sig_ign);
    hex("SigCgt:", &st.sig_cgt);
    std::uint64_t pending = 0;
    hex("SigPnd:", &pending);
    hex("ShdPnd:", &pending);
    st.sig_pnd |= pending;
    if (line.substr(0, 5) == "PPid:") {
      st.ppid = static_cast<pid_t>(std::strtol(std::string(line.substr(5)).c_str(), nullptr, 10));
    }
    pos = end + 1;
  }
  return st;
}

Result<std::vector<int>> ListFds(pid_t pid) {
  std::string path = ProcPath(pid, "fd");
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return OpError("proc", errno, path);
  std::vector<int> fds;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    fds.push_back(std::atoi(e->d_name));
  }
  // The directory stream's own fd shows up when PID is us.
  int self_fd = dirfd(dir);
  closedir(dir);
  if (pid == getpid()) {
    fds.erase(std::remove(fds.begin(), fds.end(), self_fd), fds.end());
  }
  std::sort(fds.begin(), fds.end());
  return fds;
}

Result<std::vector<std::string>> ReadCmdline(pid_t pid) {
  auto text = ReadSmallFile(ProcPath(pid, "cmdline"));
  if (!text.ok()) return text.error();
  std::vector<std::string> argv;
  const std::string& t = text.value();
  std::size_t pos = 0;
  while (pos < t.size()) {
    std::size_t end = t.find('\0', pos);
    if (end == std::string::npos) end = t.size();
    argv.emplace_back(t, pos, end - pos);
    pos = end + 1;
  }
  return argv;
}

std::vector<ProcStat> ListProcesses() {
  std::vector<ProcStat> out;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return out;
  while (dirent* e = readdir(dir)) {
    unsigned long long pid = 0;
    if (!ParseDecimal(e->d_name, 0x7fffffff, &pid) || pid == 0) continue;
    auto st = ReadProcStat(static_cast<pid_t>(pid));
    if (st.ok()) out.push_back(std::move(st.value()));  // else gone meanwhile
  }
  closedir(dir);
  std::sort(out.begin(), out.end(), [](const ProcStat& a, const ProcStat& b) { return a.pid < b.pid; });
  return out;
}

std::vector<pid_t> ListChildren(pid_t parent) {
  std::vector<pid_t> out;
  for (const ProcStat& st : ListProcesses()) {
    if (st.ppid == parent) out.push_back(st.pid);
  }
  return out;
}

std::vector<pid_t> CgroupProcesses(const std::string& dir) {
  std::vector<pid_t> out;
  auto text = ReadSmallFile(dir + "/cgroup.procs");
  if (!text.ok()) return out;
  const std::string& t = text.value();
  for (std::size_t pos = 0; pos < t.size();) {
    std::size_t end = t.find('\n', pos);
    if (end == std::string::npos) end = t.size();
    unsigned long long pid = 0;
    if (ParseDecimal(std::string_view(t).substr(pos, end - pos), 0x7fffffff, &pid) && pid > 0) {
      out.push_back(static_cast<pid_t>(pid));
    }
    pos = end + 1;
  }
  return out;
}

std::string Cgroup2Mount() {
  auto text = ReadSmallFile("/proc/self/mountinfo");
  if (!text.ok()) return "";
  std::string found;
  std::string_view all = text.value();
  while (!all.empty()) {
    std::size_t end = all.find('\n');
    std::string_view line = all.substr(0, end);
    all = end == std::string_view::npos ? std::string_view() : all.substr(end + 1);
    // ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS
    std::size_t dash = line.find(" - ");
    if (dash == std::string_view::npos || line.substr(dash + 3).rfind("cgroup2 ", 0) != 0) continue;
    std::string_view fields[6];
    std::string_view rest = line.substr(0, dash);
    for (auto& f : fields) {
      std::size_t sp = rest.find(' ');
      f = rest.substr(0, sp);
      rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
    }
    std::string mount_point(fields[4]);
    if (mount_point.find('\\') != std::string::npos) continue;  // an escaped space: not a mount we made
    if (fields[5].rfind("rw", 0) == 0) return mount_point;
    if (found.empty()) found = mount_point;
  }
  return found;
}

bool ProcIsThisNamespaces() {
  char buf[32];
  ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
  if (n <= 0) return false;
  buf[n] = '\0';
  return std::strtol(buf, nullptr, 10) == static_cast<long>(getpid());
}

}  // namespace reap
