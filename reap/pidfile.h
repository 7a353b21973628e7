// Pidfiles: "PID\n", written atomically (temp file + rename), so a reader
// never sees a partial one.
#ifndef REAP_REAP_PIDFILE_H_
#define REAP_REAP_PIDFILE_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "reap/error.h"
#include "reap/identity.h"

namespace reap {

// Decimal PID > 0, optionally followed by a single '\n'; nothing else.
Result<pid_t> ParsePidfile(std::string_view text);
// Reads a regular file only: never blocks on a FIFO, never follows a
// symbolic link (EINVAL for anything but a regular file).
Result<pid_t> ReadPidfile(const std::string& path);

// The pid and, when the writer recorded it, the start time of the process a
// pidfile names. PidfileWriter keeps the file a plain "PID\n" (what
// `kill $(cat FILE)` and start-stop-daemon read) and records the start time
// in the extended attribute user.reap.start_time; start_time is 0 where the
// file has none (written by another tool, or a file system without user
// xattrs), and then only the pid can be checked.
Result<Identity> ReadPidfileIdentity(const std::string& path);

// Two-phase write so a failure never leaves a process without a pidfile or a
// partial pidfile behind: Prepare before starting the process (locks, checks
// and creates the temp file), Commit after.
//
// From Prepare until the writer is destroyed it holds an exclusive flock on
// the pidfile's directory (the pidfile itself is replaced by rename, so its
// inode cannot carry the lock): of two writers on one path, the second waits
// (up to 10 s), then sees the first one's live process and fails with EEXIST.
// While it waits for the command, the writer holds only that one fd, close-
// on-exec; it holds no fd of the pidfile or the temp file.
class [[nodiscard]] PidfileWriter {
 public:
  // Fails with EEXIST when PATH names a live process and !force; with EINVAL
  // when PATH exists but is not a regular file (a FIFO, a directory, a
  // symbolic link: never opened, never followed); with EPERM when PATH
  // belongs to another user in a sticky directory (the rename would fail);
  // with EWOULDBLOCK when another writer held the lock for 10 s; with the
  // errno of creating the temp file when the directory is not writable.
  static Result<PidfileWriter> Prepare(const std::string& path, bool force);

  // Writes "PID\n" to the temp file (with START_TIME, when not 0, in its
  // user.reap.start_time attribute), fsyncs it and renames it over the path.
  [[nodiscard]] Status Commit(pid_t pid, std::uint64_t start_time = 0);

  PidfileWriter(PidfileWriter&& other) noexcept;
  PidfileWriter& operator=(PidfileWriter&&) = delete;
  PidfileWriter(const PidfileWriter&) = delete;
  ~PidfileWriter();  // removes the temp file if not committed

 private:
  PidfileWriter(std::string path, std::string temp, int dir_fd)
      : path_(std::move(path)), temp_(std::move(temp)), dir_fd_(dir_fd) {}
  std::string path_;
  std::string temp_;  // empty once committed
  int dir_fd_ = -1;   // the locked directory
};

}  // namespace reap

#endif  // REAP_REAP_PIDFILE_H_
