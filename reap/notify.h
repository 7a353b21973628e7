// Readiness through the sd_notify protocol, as systemd's Type=notify and
// start-stop-daemon --notify-await use it: the command finds an AF_UNIX
// datagram socket in $NOTIFY_SOCKET and sends "READY=1" (and "STATUS=...",
// "ERRNO=...") when it is ready. Many daemons already speak it.
#ifndef REAP_REAP_NOTIFY_H_
#define REAP_REAP_NOTIFY_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "reap/error.h"

namespace reap {

// What the command said, and how the wait ended.
struct NotifyResult {
  enum class End { kReady, kExited, kTimeout };
  End end = End::kTimeout;
  std::string status;   // last STATUS= value
  int errno_value = 0;  // last ERRNO= value, 0 if none
  std::chrono::microseconds waited{0};
  int ignored = 0;  // datagrams from processes that are not the command
};

class [[nodiscard]] NotifySocket {
 public:
  // A datagram socket in the abstract namespace, named by the kernel
  // (autobind: "@" and five hex digits, unique in the network namespace),
  // with SO_PASSCRED so that every message carries its sender's credentials.
  static Result<NotifySocket> Create();

  // The value for the command's NOTIFY_SOCKET.
  const std::string& address() const { return address_; }

  // Waits until PID (or, when DESCENDANTS, a process below it) sends
  // READY=1, EXITED() returns true (polled every few ms), or TIMEOUT passes.
  // Messages from any other process are counted in `ignored` and dropped.
  NotifyResult Wait(pid_t pid, bool descendants, const std::function<bool()>& exited,
                    std::chrono::milliseconds timeout) const;

  NotifySocket(NotifySocket&& other) noexcept : fd_(other.fd_), address_(std::move(other.address_)) {
    other.fd_ = -1;
  }
  NotifySocket& operator=(NotifySocket&&) = delete;
  NotifySocket(const NotifySocket&) = delete;
  ~NotifySocket();

 private:
  NotifySocket(int fd, std::string address) : fd_(fd), address_(std::move(address)) {}
  int fd_ = -1;
  std::string address_;
};

// The command's side, as sd_notify(3): sends MESSAGE ("READY=1",
// "STATUS=...", several lines at once) as one datagram to the socket that
// $NOTIFY_SOCKET names ("@name": abstract; else a path). Ok without sending
// anything when NOTIFY_SOCKET is unset or empty (nobody waits). Errors have
// op "notify".
Status SendNotify(std::string_view message);

}  // namespace reap

#endif  // REAP_REAP_NOTIFY_H_
