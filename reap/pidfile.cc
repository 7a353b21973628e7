#include "reap/pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "reap/proc.h"

namespace reap {

Result<pid_t> ParsePidfile(std::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (text.empty() || text.size() > 10) {
    return Error{Stage::kValidate, EINVAL, "pidfile is not a PID"};
  }
  long long v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return Error{Stage::kValidate, EINVAL, "pidfile is not a PID"};
    v = v * 10 + (c - '0');
  }
  if (v <= 0 || v > 0x7fffffff) return Error{Stage::kValidate, EINVAL, "pidfile PID out of range"};
  return static_cast<pid_t>(v);
}

Result<pid_t> ReadPidfile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{Stage::kNone, errno, path};
  char buf[64];
  std::string text;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return Error{Stage::kNone, e, path};
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > 64) break;  // certainly not a PID
  }
  close(fd);
  auto pid = ParsePidfile(text);
  if (!pid.ok()) return Error{pid.error().stage, pid.error().err, path};
  return pid;
}

bool PidfileNamesLiveProcess(const std::string& path) {
  auto pid = ReadPidfile(path);
  if (!pid.ok()) return false;
  auto st = ReadProcStat(pid.value());
  return st.ok() && st->state != 'Z' && st->state != 'X';
}

Result<PidfileWriter> PidfileWriter::Prepare(const std::string& path, bool force) {
  if (!force && PidfileNamesLiveProcess(path)) {
    auto pid = ReadPidfile(path);
    return Error{Stage::kSetup, EEXIST,
                 path + " names running process " + std::to_string(pid.value()) +
                     " (use --force to replace it)"};
  }
  std::string dir = ".";
  std::string base = path;
  std::size_t slash = path.rfind('/');
  if (slash != std::string::npos) {
    dir = slash == 0 ? "/" : path.substr(0, slash);
    base = path.substr(slash + 1);
  }
  if (base.empty()) return Error{Stage::kSetup, EISDIR, path};
  std::string temp = (dir == "/" ? "" : dir) + "/." + base + ".XXXXXX";
  int fd = mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return Error{Stage::kSetup, errno, path};
  fchmod(fd, 0644);
  return PidfileWriter(path, temp, fd);
}

Status PidfileWriter::Commit(pid_t pid) {
  std::string text = std::to_string(pid) + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{Stage::kSetup, errno, temp_};
    done += static_cast<std::size_t>(n);
  }
  if (fsync(fd_) != 0) return Error{Stage::kSetup, errno, temp_};
  close(fd_);
  fd_ = -1;
  if (rename(temp_.c_str(), path_.c_str()) != 0) return Error{Stage::kSetup, errno, path_};
  temp_.clear();
  return OkStatus();
}

PidfileWriter::PidfileWriter(PidfileWriter&& other) noexcept
    : path_(std::move(other.path_)), temp_(std::move(other.temp_)), fd_(other.fd_) {
  other.fd_ = -1;
  other.temp_.clear();
}

PidfileWriter::~PidfileWriter() {
  if (fd_ >= 0) close(fd_);
  if (!temp_.empty()) unlink(temp_.c_str());
}

}  // namespace reap
