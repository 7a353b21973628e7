// Pidfiles: "PID\n", written atomically (temp file + rename), so a reader
// never sees a partial one.
#ifndef REAP_REAP_PIDFILE_H_
#define REAP_REAP_PIDFILE_H_

#include <sys/types.h>

#include <string>
#include <string_view>

#include "reap/error.h"

namespace reap {

// Decimal PID > 0, optionally followed by a single '\n'; nothing else.
Result<pid_t> ParsePidfile(std::string_view text);
Result<pid_t> ReadPidfile(const std::string& path);

// True when PATH holds a valid PID naming a process that exists and is not a
// zombie. (A pidfile cannot tell a recycled PID from the original.)
bool PidfileNamesLiveProcess(const std::string& path);

// Two-phase write so a failure never leaves a process without a pidfile or a
// partial pidfile behind: Prepare before starting the process (checks and
// creates the temp file), Commit after.
class [[nodiscard]] PidfileWriter {
 public:
  // Fails with EEXIST when PATH names a live process and !force; with the
  // errno of creating the temp file when the directory is not writable.
  static Result<PidfileWriter> Prepare(const std::string& path, bool force);

  // Writes "PID\n" to the temp file, fsyncs it and renames it over the path.
  [[nodiscard]] Status Commit(pid_t pid);

  PidfileWriter(PidfileWriter&& other) noexcept;
  PidfileWriter& operator=(PidfileWriter&&) = delete;
  PidfileWriter(const PidfileWriter&) = delete;
  ~PidfileWriter();  // removes the temp file if not committed

 private:
  PidfileWriter(std::string path, std::string temp, int fd)
      : path_(std::move(path)), temp_(std::move(temp)), fd_(fd) {}
  std::string path_;
  std::string temp_;
  int fd_ = -1;
};

}  // namespace reap

#endif  // REAP_REAP_PIDFILE_H_
