#include "reap/notify.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "reap/proc.h"

namespace reap {
namespace {

// Whether PID is ROOT or below it (bounded walk up the parents).
bool IsAtOrBelow(pid_t pid, pid_t root) {
  for (int depth = 0; depth < 64 && pid > 1; ++depth) {
    if (pid == root) return true;
    auto st = ReadProcStat(pid);
    if (!st.ok()) return false;
    pid = st->ppid;
  }
  return pid == root;
}

void Apply(std::string_view text, NotifyResult* r, bool* ready) {
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line == "READY=1") *ready = true;
    if (line.rfind("STATUS=", 0) == 0) r->status = std::string(line.substr(7));
    if (line.rfind("ERRNO=", 0) == 0) r->errno_value = std::atoi(std::string(line.substr(6)).c_str());
  }
}

}  // namespace

Result<NotifySocket> NotifySocket::Create() {
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return OpError("notify", errno, "socket");
  int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0) {
    int e = errno;
    close(fd);
    return OpError("notify", e, "socket: SO_PASSCRED");
  }
  // Autobind: the kernel picks an unused abstract name. A name of our own
  // (say, from the pid) can collide: abstract names are per network
  // namespace, which PID namespaces (containers, test sandboxes) share.
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(sa_family_t)) != 0) {
    int e = errno;
    close(fd);
    return OpError("notify", e, "socket: bind");
  }
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 || len <= sizeof(sa_family_t) + 1) {
    int e = errno;
    close(fd);
    return OpError("notify", e, "socket: getsockname");
  }
  std::string name(addr.sun_path + 1, len - sizeof(sa_family_t) - 1);  // after the leading NUL
  return NotifySocket(fd, "@" + name);
}

NotifyResult NotifySocket::Wait(pid_t pid, bool descendants, const std::function<bool()>& exited,
                                std::chrono::milliseconds timeout) const {
  NotifyResult r;
  auto start = std::chrono::steady_clock::now();
  auto end = start + timeout;
  bool ready = false;
  for (;;) {
    // Drain every pending datagram first: READY=1 may have come just before
    // the exit.
    for (;;) {
      char buf[4096];
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
      iovec iov{buf, sizeof buf - 1};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      ssize_t n = recvmsg(fd_, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      pid_t sender = 0;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
          ucred cred;
          std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
          sender = cred.pid;
        }
      }
      bool ours = sender == pid || (descendants && sender > 0 && IsAtOrBelow(sender, pid));
      if (!ours) {
        ++r.ignored;
        continue;
      }
      Apply(std::string_view(buf, static_cast<std::size_t>(n)), &r, &ready);
    }
    auto now = std::chrono::steady_clock::now();
    r.waited = std::chrono::duration_cast<std::chrono::microseconds>(now - start);
    if (ready) {
      r.end = NotifyResult::End::kReady;
      return r;
    }
    if (exited && exited()) {
      r.end = NotifyResult::End::kExited;
      return r;
    }
    if (now >= end) {
      r.end = NotifyResult::End::kTimeout;
      return r;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - now).count();
    pollfd p{fd_, POLLIN, 0};
    poll(&p, 1, static_cast<int>(left < 5 ? left : 5));  // exits are polled too
  }
}

NotifySocket::~NotifySocket() {
  if (fd_ >= 0) close(fd_);
}

Status SendNotify(std::string_view message) {
  const char* where = std::getenv("NOTIFY_SOCKET");
  if (where == nullptr || where[0] == '\0') return OkStatus();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::size_t len = std::strlen(where);
  if (len >= sizeof addr.sun_path) return OpError("notify", ENAMETOOLONG, where);
  std::memcpy(addr.sun_path, where, len);
  if (where[0] == '@') addr.sun_path[0] = '\0';  // abstract
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return OpError("notify", errno, "socket");
  ssize_t sent = sendto(fd, message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr),
                        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len));
  int e = errno;
  close(fd);
  if (sent < 0) return OpError("notify", e, where);
  return OkStatus();
}

}  // namespace reap
