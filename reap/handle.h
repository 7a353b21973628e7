// Control of a detached process after the start, proof against PID reuse:
// a pidfd (Linux 5.3+) opened for an Identity and checked against its start
// time refers to that process and no other, even after it exits and its PID
// is given to someone else. Works for processes that are not our children.
#ifndef REAP_REAP_HANDLE_H_
#define REAP_REAP_HANDLE_H_

#include <chrono>

#include "reap/error.h"
#include "reap/identity.h"

namespace reap {

class [[nodiscard]] ProcessHandle {
 public:
  // Opens a handle on ID. Errors (stage kNone):
  //   ESRCH   no process has ID's pid (or it was reaped);
  //   ESTALE  the pid now belongs to another process (its start time is not
  //           ID's): a recycled PID, never to be signalled;
  //   other   pidfd_open's errno.
  // ID.start_time 0 ("not known") checks the pid alone. Where pidfds are
  // not available (ENOSYS: Linux before 5.3) the handle keeps the checked
  // identity and re-checks /proc before each signal; a PID recycled between
  // that check and the kill(2) is then the one race that remains.
  static Result<ProcessHandle> Open(const Identity& id);

  // Sends SIG (0: only checks that it can be signalled). ESRCH once the
  // process has exited.
  [[nodiscard]] Status Signal(int sig) const;

  // True once the process has exited (a zombie counts as exited).
  bool Exited() const;

  // Waits until the process exits or TIMEOUT passes; returns whether it
  // exited. EINTR is retried. milliseconds::max() waits as long as it takes.
  bool WaitForExit(std::chrono::milliseconds timeout) const;

  const Identity& identity() const { return id_; }

  ProcessHandle(ProcessHandle&& other) noexcept : id_(other.id_), pidfd_(other.pidfd_) { other.pidfd_ = -1; }
  ProcessHandle& operator=(ProcessHandle&&) = delete;
  ProcessHandle(const ProcessHandle&) = delete;
  ~ProcessHandle();

 private:
  ProcessHandle(const Identity& id, int pidfd) : id_(id), pidfd_(pidfd) {}
  Identity id_;
  int pidfd_ = -1;  // -1: no pidfds here
};

}  // namespace reap

#endif  // REAP_REAP_HANDLE_H_
