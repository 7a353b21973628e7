// reaper: the CLI over reap::DetachAsIntermediate. Parses, detaches,
// prints; no process logic of its own.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "reap/detach.h"
#include "reap/identity.h"
#include "reap/pidfile.h"
#include "reaper/args.h"
#include "reaper/control.h"
#include "reaper/doctor.h"
#include "reaper/output.h"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUnreported = 3;  // started, but the PID could not be printed
constexpr int kExitUsage = 2;

int Fail(const std::string& line, int code) {
  std::fprintf(stderr, "reaper: %s\n", line.c_str());
  return code;
}

// Ends the command we started but cannot hand over, with whatever it forked
// meanwhile: it leads its own process group. It is still our child
// (DetachAsIntermediate), so its PID cannot have been reused; reap it too.
void Abandon(const reap::Identity& id) {
  kill(-id.pid, SIGKILL);
  kill(id.pid, SIGKILL);
  while (waitpid(id.pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// Keeps the descriptor numbers the command is to receive (inherited stdio,
// --keep-fd) out of reaper's own hands while it prepares: a closed one is
// held by a placeholder, so the pidfile's lock cannot land on it and reach
// the command. Released before the detach, which then sees them closed.
class FdPlaceholders {
 public:
  explicit FdPlaceholders(const reap::Command& c) {
    std::vector<int> wanted = c.keep_fds;
    for (int fd = 0; fd < 3; ++fd) {
      if (c.stdio[static_cast<std::size_t>(fd)].mode == reap::Stdio::Mode::kInherit) wanted.push_back(fd);
    }
    std::vector<int> closed;
    for (int fd : wanted) {
      if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) closed.push_back(fd);
    }
    if (closed.empty()) return;
    int src = open("/dev/null", O_RDONLY | O_CLOEXEC);  // may itself take one
    if (src < 0) return;
    bool src_is_placeholder = false;
    for (int fd : closed) {
      if (fd == src) {
        src_is_placeholder = true;
        held_.push_back(fd);
      } else if (dup3(src, fd, O_CLOEXEC) == fd) {
        held_.push_back(fd);
      }
    }
    if (!src_is_placeholder) close(src);
  }
  ~FdPlaceholders() { Release(); }
  void Release() {
    for (int fd : held_) close(fd);
    held_.clear();
  }

 private:
  std::vector<int> held_;
};

int Run(const std::vector<std::string>& args) {
  if (reaper::IsControlCommand(args)) return reaper::RunControl(args, stdout, stderr);
  auto parsed = reaper::ParseArgs(args);
  if (!parsed.ok()) {
    return Fail("usage: " + parsed.error().what + " (see reaper --help)", kExitUsage);
  }
  const reaper::CliOptions& o = parsed.value();
  using Action = reaper::CliOptions::Action;
  switch (o.action) {
    case Action::kHelp:
      std::fputs(reaper::HelpText().c_str(), stdout);
      return std::fflush(stdout) == 0 ? 0 : kExitFailure;
    case Action::kVersion:
      std::printf("reaper %s\n", reaper::kVersion);
      return std::fflush(stdout) == 0 ? 0 : kExitFailure;
    case Action::kLegacyHelp:
      std::fputs(reaper::LegacyUsageText().c_str(), stderr);
      return 0;
    case Action::kLegacyVersion:
      std::printf("reaper version: %s\n", reaper::kVersion);
      return std::fflush(stdout) == 0 ? 0 : kExitFailure;
    case Action::kDoctor:
      return reaper::RunDoctor(stdout);
    case Action::kDetach:
      break;
  }

  // Check the pidfile before anything starts, so a bad one leaves nothing.
  std::optional<reap::PidfileWriter> pidfile;
  if (!o.pidfile.empty()) {
    FdPlaceholders placeholders(o.command);
    auto w = reap::PidfileWriter::Prepare(o.pidfile, o.force);
    if (!w.ok()) {
      const reap::Error& e = w.error();
      std::string line = "pidfile: " + e.what;
      if (e.err != 0 && e.err != EEXIST && e.err != EINVAL && e.err != EPERM) {
        line += std::string(": ") + std::strerror(e.err);
      }
      return Fail(line, kExitFailure);
    }
    pidfile.emplace(std::move(w.value()));
  }

  // reaper exits right after this, so it is the intermediate itself.
  auto id = reap::DetachAsIntermediate(o.command);
  if (!id.ok()) return Fail(id.error().ToString(), reaper::ExitCodeFor(id.error()));

  if (pidfile) {
    auto st = pidfile->Commit(id->pid, id->start_time);
    if (!st.ok()) {
      Abandon(id.value());
      return Fail("pidfile: " + st.error().ToString(), kExitFailure);
    }
  }
  std::string out = o.json ? reaper::IdentityJson(id.value(), o.command) + "\n"
                           : std::to_string(id->pid) + (o.legacy ? "" : "\n");
  if (std::fputs(out.c_str(), stdout) < 0 || std::fflush(stdout) != 0) {
    // The caller may be gone (a crashed server). The command is detached and
    // must outlive it, so it keeps running; say which one it is.
    int e = errno;
    return Fail(std::string("output: stdout: ") + std::strerror(e) + " (pid " + std::to_string(id->pid) +
                    " keeps running)",
                kExitUnreported);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A closed stdout pipe must be an error we report, not a silent death.
  signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  return Run(args);
}
