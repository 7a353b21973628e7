// probe: a command with known behaviour for tests. It reports who it is (as
// seen from inside) and then does what it is told.
//
//   probe [--report PATH] [--linger-ms N] [--ignore-term] [--exit N]
//
// --report PATH  append one line to PATH (a FIFO or file) describing itself:
//                "pid=.. ppid=.. pgid=.. sid=.. tty=.. start=.. sigign=HEX
//                 sigblk=HEX fds=0,1,2"
// --linger-ms N  then live N milliseconds (default 30000; never forever, so a
//                leaked probe ends by itself)
// --ignore-term  ignore SIGTERM and SIGHUP first (after the report)
// --exit N       exit status (default 0)
// --notify-after MS  send "STATUS=starting" to $NOTIFY_SOCKET at once and
//                "READY=1" MS milliseconds later (sd_notify; after the report)
// -- ARGS...      ignored payload (argv-passing checks read /proc/PID/cmdline)
#include "conformance/probe/probe_main.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "reap/notify.h"
#include "reap/observe.h"
#include "reap/proc.h"

namespace reap_conformance {
namespace {

// One sd_notify datagram to $NOTIFY_SOCKET (reap::SendNotify).
void Notify(const char* text) { (void)reap::SendNotify(text); }

}  // namespace

int ProbeMain(int argc, char** argv) {
  const char* report = nullptr;
  long linger_ms = 30000;
  bool ignore_term = false;
  int exit_code = 0;
  long notify_after_ms = -1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") break;
    if (a == "--report" && i + 1 < argc) {
      report = argv[++i];
    } else if (a == "--linger-ms" && i + 1 < argc) {
      linger_ms = std::atol(argv[++i]);
    } else if (a == "--ignore-term") {
      ignore_term = true;
    } else if (a == "--notify-after" && i + 1 < argc) {
      notify_after_ms = std::atol(argv[++i]);
    } else if (a == "--exit" && i + 1 < argc) {
      exit_code = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "probe: unknown argument %s\n", a.c_str());
      return 64;
    }
  }
  if (report != nullptr) {
    pid_t self = getpid();
    auto st = reap::ReadProcStat(self);
    auto status = reap::ReadProcStatus(self);
    auto fds = reap::ListFds(self);
    // Its argv (its /proc/self/cmdline, as the suite would read it from
    // outside), for a detacher that runs it in place and is gone with it
    // before the suite can read it: COUNT:HEX,HEX,... Before fds, which
    // stays last.
    auto cmdline = reap::ReadCmdline(self);
    std::string args = " argv=" + std::to_string(cmdline.ok() ? cmdline->size() : 0) + ":";
    static const char kHex[] = "0123456789abcdef";
    for (const std::string& arg : cmdline.ok() ? cmdline.value() : std::vector<std::string>{}) {
      for (unsigned char c : arg) {
        args += kHex[c >> 4];
        args += kHex[c & 15];
      }
      args += ",";
    }
    std::string line = "pid=" + std::to_string(self);
    if (st.ok()) {
      line += " ppid=" + std::to_string(st->ppid) + " pgid=" + std::to_string(st->pgrp) +
              " sid=" + std::to_string(st->session) + " tty=" + std::to_string(st->tty_nr) +
              " start=" + std::to_string(st->start_time);
    }
    if (status.ok()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, " sigign=%llx sigblk=%llx",
                    static_cast<unsigned long long>(status->sig_ign),
                    static_cast<unsigned long long>(status->sig_blk));
      line += buf;
    }
    line += args + " fds=";
    if (fds.ok()) {
      for (std::size_t i = 0; i < fds->size(); ++i) {
        line += (i ? "," : "") + std::to_string((*fds)[i]);
      }
    }
    line += "\n";
    int fd = open(report, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd >= 0) {
      if (write(fd, line.data(), line.size()) < 0) {
      }
      close(fd);
    }
  }
  if (notify_after_ms >= 0) {
    Notify("STATUS=starting");
    struct timespec wait = {notify_after_ms / 1000, (notify_after_ms % 1000) * 1000000L};
    while (nanosleep(&wait, &wait) != 0) {
    }
    if (report != nullptr) {  // "ready" in the report just before READY=1
      int fd = open(report, O_WRONLY | O_APPEND | O_CLOEXEC);
      if (fd >= 0) {
        ssize_t w = write(fd, "ready\n", 6);
        (void)w;
        close(fd);
      }
    }
    Notify("READY=1\nSTATUS=serving");
  }
  if (ignore_term) {
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
  }
  struct timespec ts = {linger_ms / 1000, (linger_ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
  return exit_code;
}

}  // namespace reap_conformance
