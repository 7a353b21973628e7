#include "reap/pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "reap/decimal.h"
#include "reap/identity.h"
#include "reap/internal/paths.h"
#include "reap/proc.h"

namespace reap {

Result<pid_t> ParsePidfile(std::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (text.empty() || text.size() > 10) {
    return OpError("pidfile", EINVAL, {}, "not a PID");
  }
  unsigned long long v = 0;
  if (!ParseDecimal(text, ~0ull, &v)) return OpError("pidfile", EINVAL, {}, "not a PID");
  if (v == 0 || v > 0x7fffffff) return OpError("pidfile", EINVAL, {}, "PID out of range");
  return static_cast<pid_t>(v);
}

namespace {

// What is at BASE in DIR_FD, without following a symbolic link.
std::string NotRegular(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory";
  if (S_ISFIFO(mode)) return "is a FIFO";
  if (S_ISLNK(mode)) return "is a symbolic link";
  if (S_ISSOCK(mode)) return "is a socket";
  return "is a device";
}

constexpr char kStartTimeAttr[] = "user.reap.start_time";

// The start time recorded on an open pidfile, or 0.
std::uint64_t RecordedStartTime(int fd) {
  char buf[32];
  ssize_t n = fgetxattr(fd, kStartTimeAttr, buf, sizeof buf - 1);
  if (n <= 0) return 0;
  buf[n] = '\0';
  char* end = nullptr;
  unsigned long long v = std::strtoull(buf, &end, 10);
  return end != buf && *end == '\0' ? v : 0;
}

// Reads the pidfile BASE in DIR_FD once: O_NONBLOCK so a FIFO planted there
// cannot hang us, O_NOFOLLOW so a link is not followed, then fstat.
Result<Identity> ReadPidfileAt(int dir_fd, const std::string& base, const std::string& path) {
  int fd = openat(dir_fd, base.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (e == ELOOP) return OpError("pidfile", EINVAL, path, "is a symbolic link, not a pidfile");
    return OpError("pidfile", e, path);
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return OpError("pidfile", EINVAL, path, NotRegular(st.st_mode) + ", not a pidfile");
  }
  char buf[64];
  std::string text;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return OpError("pidfile", e, path);
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > 64) break;  // certainly not a PID
  }
  Identity id;
  id.start_time = RecordedStartTime(fd);
  close(fd);
  auto pid = ParsePidfile(text);
  if (!pid.ok()) return OpError("pidfile", pid.error().err, path, pid.error().reason);
  id.pid = pid.value();
  return id;
}

constexpr int kLockAttempts = 2000;  // x 5 ms = 10 s

}  // namespace

Result<Identity> ReadPidfileIdentity(const std::string& path) {
  std::string dir, base;
  internal::SplitPath(path, &dir, &base);
  if (base.empty()) return OpError("pidfile", EISDIR, path);
  int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return OpError("pidfile", errno, path);
  auto id = ReadPidfileAt(dir_fd, base, path);
  close(dir_fd);
  return id;
}

Result<pid_t> ReadPidfile(const std::string& path) {
  auto id = ReadPidfileIdentity(path);
  if (!id.ok()) return id.error();
  return id->pid;
}

Result<PidfileWriter> PidfileWriter::Prepare(const std::string& path, bool force) {
  std::string dir, base;
  internal::SplitPath(path, &dir, &base);
  if (base.empty()) return OpError("pidfile", EISDIR, path);
  int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return OpError("pidfile", err, path,
                     "its directory " + dir + (err == ENOENT ? " does not exist" : " is not a directory") +
                         " (" + strerror(err) + ")");
    }
    return OpError("pidfile", err, path);
  }
  auto fail = [&](Error e) {
    close(dir_fd);
    return e;
  };
  // The lock spans the check, the start of the command and the commit.
  for (int attempt = 0;; ++attempt) {
    if (flock(dir_fd, LOCK_EX | LOCK_NB) == 0) break;
    if (errno != EWOULDBLOCK && errno != EINTR) return fail(OpError("pidfile", errno, path + ": lock"));
    if (attempt == kLockAttempts) {
      return fail(OpError("pidfile", EWOULDBLOCK, path, "another writer held its directory's lock for 10 s"));
    }
    usleep(5000);
  }
  struct stat st {};
  if (fstatat(dir_fd, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISREG(st.st_mode)) return fail(OpError("pidfile", EINVAL, path, NotRegular(st.st_mode)));
    auto old = ReadPidfileAt(dir_fd, base, path);  // read once: it may vanish
    if (!force && old.ok() && IsRunning(old.value())) {
      return fail(
          OpError("pidfile", EEXIST, path,
                  "names running process " + std::to_string(old->pid) + " (use --force to replace it)"));
    }
    // In a sticky directory only the owner of the file or of the directory
    // (or a privileged user) may replace it: find out before the start.
    struct stat dst {};
    uid_t me = geteuid();
    if (fstat(dir_fd, &dst) == 0 && (dst.st_mode & S_ISVTX) && st.st_uid != me && dst.st_uid != me &&
        me != 0) {
      return fail(OpError("pidfile", EPERM, path,
                          "belongs to uid " + std::to_string(st.st_uid) + " in a sticky directory"));
    }
  } else if (errno != ENOENT) {
    return fail(OpError("pidfile", errno, path));
  }
  std::string temp = (dir == "/" ? "" : dir) + "/." + base + ".XXXXXX";
  int fd = mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return fail(OpError("pidfile", errno, path));
  fchmod(fd, 0644);
  close(fd);  // reopened by Commit: no fd of ours may reach the command
  return PidfileWriter(path, temp, dir_fd);
}

Status PidfileWriter::Commit(pid_t pid, std::uint64_t start_time) {
  std::string text = std::to_string(pid) + "\n";
  int fd = open(temp_.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return OpError("pidfile", errno, temp_);
  if (start_time != 0) {
    // Best effort: without user xattrs the pidfile is checked by pid alone.
    std::string value = std::to_string(start_time);
    (void)fsetxattr(fd, kStartTimeAttr, value.data(), value.size(), 0);
  }
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return OpError("pidfile", e, temp_);
    }
    done += static_cast<std::size_t>(n);
  }
  if (fsync(fd) != 0) {
    int e = errno;
    close(fd);
    return OpError("pidfile", e, temp_);
  }
  close(fd);
  if (rename(temp_.c_str(), path_.c_str()) != 0) return OpError("pidfile", errno, path_);
  temp_.clear();
  return OkStatus();
}

PidfileWriter::PidfileWriter(PidfileWriter&& other) noexcept
    : path_(std::move(other.path_)), temp_(std::move(other.temp_)), dir_fd_(other.dir_fd_) {
  other.dir_fd_ = -1;
  other.temp_.clear();
}

PidfileWriter::~PidfileWriter() {
  if (!temp_.empty()) unlink(temp_.c_str());
  if (dir_fd_ >= 0) close(dir_fd_);  // releases the lock
}

}  // namespace reap
