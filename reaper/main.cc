// reaper: the CLI over reap::DetachAsIntermediate. Parses, detaches,
// prints; no process logic of its own.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "reap/detach.h"
#include "reap/handle.h"
#include "reap/identity.h"
#include "reap/notify.h"
#include "reap/pidfile.h"
#include "reap/scope_spec.h"
#include "reap/user.h"
#include "reaper/args.h"
#include "reaper/control.h"
#include "reaper/doctor.h"
#include "reaper/output.h"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUnreported = 3;  // started, but the PID could not be printed
constexpr int kExitUsage = 2;
constexpr int kExitScope = 4;  // not placed in its cgroup or scope (reaper::ExitCodeFor)

// Ends the command we started but cannot hand over, with whatever it forked
// meanwhile: it leads its own process group. It is still our child
// (DetachAsIntermediate), so its PID cannot have been reused; reap it too.
void Abandon(const reap::Identity& id) {
  kill(-id.pid, SIGKILL);
  kill(id.pid, SIGKILL);
  while (waitpid(id.pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// reaper-scope (the sd-bus part of --scope, dynamically linked): beside this
// binary (a build tree), or in ../libexec/reap/ (the Debian package). "" if
// neither exists.
std::string FindScopeHelper() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string dir(buf, static_cast<std::size_t>(n));
  dir.erase(dir.rfind('/'));
  for (const std::string& path : {dir + "/reaper-scope", dir + "/../libexec/reap/reaper-scope"}) {
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

// Runs HELPER to put the command ID in its scope; "" or the helper's error
// line. Bounded: the scope's own timeout plus 5 s.
std::string MoveIntoScope(const std::string& helper, const reap::Identity& id, const reap::Command& command,
                          const reap::Scope& scope) {
  // reaper-scope PID UNIT DESCRIPTION SLICE TIMEOUT_MS [NAME=VALUE...]
  std::vector<std::string> args = {helper,
                                   std::to_string(id.pid),
                                   reap::ScopeUnitName(scope, id.pid),
                                   reap::ScopeDescription(scope, command),
                                   scope.slice,
                                   std::to_string(scope.timeout.count())};
  for (const auto& [k, v] : scope.properties) args.push_back(k + "=" + v);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int err[2];
  if (pipe2(err, O_CLOEXEC) != 0) return std::string("scope: pipe: ") + std::strerror(errno);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(err[1], 2);
    execv(helper.c_str(), argv.data());
    _exit(127);
  }
  close(err[1]);
  if (pid < 0) {
    close(err[0]);
    return std::string("scope: fork: ") + std::strerror(errno);
  }
  std::string text;
  char buf[512];
  ssize_t n;
  while ((n = read(err[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) text.append(buf, static_cast<std::size_t>(n));
  }
  close(err[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  while (!text.empty() && text.back() == '\n') text.pop_back();
  if (text.empty()) text = "scope: " + helper + " failed (wait status " + std::to_string(status) + ")";
  return text.substr(text.rfind('\n') + 1);
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

// The last BYTES bytes of the file at PATH ("" if it cannot be read): the
// command's stderr file may be a long log it appends to.
std::string ReadTail(const std::string& path, long bytes) {
  std::string text;
  std::FILE* f = std::fopen(path.c_str(), "re");
  if (f == nullptr) return text;
  if (std::fseek(f, -bytes, SEEK_END) != 0) std::rewind(f);  // shorter than BYTES
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return text;
}

// The last lines of the command's stderr file, if it has one.
std::string StderrTail(const reap::Command& c) {
  if (c.stdio[2].mode != reap::Stdio::Mode::kFile) return "";
  std::string text = ReadTail(c.stdio[2].path, 64 * 1024);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  std::size_t from = text.size();
  for (int lines = 0; lines < 3 && from != std::string::npos && from > 0; ++lines) {
    from = text.rfind('\n', from - 1);
  }
  std::string tail = from == std::string::npos ? text : text.substr(from + 1);
  for (char& ch : tail) {
    if (ch == '\n') ch = '|';
  }
  return tail.empty() ? "" : "; its stderr ended with: " + tail;
}

// --wait-ready / --wait-alive. Returns "" when the command may be reported
// as started; otherwise the error line, after the command and its process
// group were ended and reaped.
std::string AwaitStart(const reaper::CliOptions& o, const reap::Identity& id, reap::NotifySocket* notify) {
  int status = 0;
  bool exited = false;
  auto reaped = [&] {
    if (!exited && waitpid(id.pid, &status, WNOHANG) == id.pid) exited = true;
    return exited;
  };
  auto died = [&](const std::string& when) {
    kill(-id.pid, SIGKILL);  // whatever it left in its group
    std::string how = WIFEXITED(status)     ? "exited with status " + std::to_string(WEXITSTATUS(status))
                      : WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                            : "ended";
    return "start: " + o.command.program + " " + how + " " + when + StderrTail(o.command);
  };
  if (notify != nullptr) {
    auto timeout = std::chrono::milliseconds(static_cast<long long>(*o.wait_ready * 1000));
    reap::NotifyResult r = notify->Wait(id.pid, /*descendants=*/false, reaped, timeout);
    std::string said = r.status.empty() ? "" : " (STATUS=" + r.status + ")";
    if (r.errno_value != 0) said += " (ERRNO=" + std::to_string(r.errno_value) + ")";
    if (r.end == reap::NotifyResult::End::kExited) return died("before it was ready" + said);
    if (r.end == reap::NotifyResult::End::kTimeout) {
      Abandon(id);
      return "ready: " + o.command.program + " sent no READY=1 within " +
             reaper::FormatSeconds(*o.wait_ready) + " s" + said + "; it was killed";
    }
  }
  if (o.wait_alive) {
    auto end = std::chrono::steady_clock::now() +
               std::chrono::milliseconds(static_cast<long long>(*o.wait_alive * 1000));
    while (std::chrono::steady_clock::now() < end) {
      if (reaped()) {
        return died("within " + reaper::FormatSeconds(*o.wait_alive) + " s");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (reaped()) return died("within the wait");
  }
  return "";
}

int Run(const std::vector<std::string>& args) {
  if (reaper::IsControlCommand(args)) return reaper::RunControl(args, stdout, stderr);
  auto parsed = reaper::ParseArgs(args);
  if (!parsed.ok()) {
    return reaper::PrintFailure(stderr, "usage: " + parsed.error().Message() + " (see reaper --help)",
                                kExitUsage);
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
  // reaper's own fds (pidfile lock, notify socket) are made while the
  // numbers the command is to receive are held.
  std::optional<reap::PidfileWriter> pidfile;
  std::optional<reap::NotifySocket> notify;
  reap::Command command = o.command;
  if (!o.user.empty()) {
    auto user = reap::ResolveUser(o.user);
    if (!user.ok()) return reaper::PrintFailure(stderr, user.error().ToString(), kExitUsage);
    command.user = user.value();
  }
  FdPlaceholders placeholders(o.command);
  if (o.wait_ready) {
    auto s = reap::NotifySocket::Create();
    if (!s.ok()) return reaper::PrintFailure(stderr, s.error().ToString(), kExitFailure);
    notify.emplace(std::move(s.value()));
    command.set_env.emplace_back("NOTIFY_SOCKET", notify->address());
  }
  if (!o.pidfile.empty()) {
    auto w = reap::PidfileWriter::Prepare(o.pidfile, o.force);
    if (!w.ok()) return reaper::PrintFailure(stderr, w.error().ToString(), kExitFailure);
    pidfile.emplace(std::move(w.value()));
  }
  placeholders.Release();

  // --scope: find its helper before anything starts.
  std::string scope_helper;
  if (o.scope) {
    scope_helper = FindScopeHelper();
    if (scope_helper.empty()) {
      return reaper::PrintFailure(
          stderr, "scope: reaper-scope not found (beside reaper, or in ../libexec/reap/): --scope needs it",
          kExitScope);
    }
  }
  // reaper exits right after this, so it is the intermediate itself; but
  // not with --scope, which waits for systemd meanwhile: a command that
  // exits at once would be reaper's zombie all that time.
  auto id = o.scope ? reap::Detach(command) : reap::DetachAsIntermediate(command);
  if (!id.ok()) {
    std::string line = id.error().ToString();
    if (id.error().stage == reap::Stage::kExec && id.error().err == ENOEXEC) {
      line += "; or have sh run it: reaper --shell '" + id.error().what + "'";
    }
    return reaper::PrintFailure(stderr, line, reaper::ExitCodeFor(id.error()));
  }
  std::string unit;
  if (o.scope) {
    // The helper's sd-bus call moves the command (running its program
    // already) into a new scope; if that fails, it is ended through a pidfd
    // (not our child: its adopter reaps it).
    std::string why = MoveIntoScope(scope_helper, id.value(), command, o.scope_options);
    if (!why.empty() && !reap::IsRunning(id.value())) {
      // It ran and is done already: nothing was left to put in a scope.
    } else if (!why.empty()) {
      if (auto h = reap::ProcessHandle::Open(id.value()); h.ok()) {
        if (reap::IsSameProcess(id.value())) kill(-id->pid, SIGKILL);  // what it forked meanwhile
        (void)h->Signal(SIGKILL);
        h->WaitForExit(std::chrono::seconds(5));
      }
      return reaper::PrintFailure(stderr, why, kExitScope);
    } else {
      unit = reap::ScopeUnitName(o.scope_options, id->pid);
    }
  }
  // Until reaper exits the command is its child: its exit status is ours to
  // read while we wait for it to be ready, or to stay alive.
  if (notify || o.wait_alive) {
    if (std::string why = AwaitStart(o, id.value(), notify ? &*notify : nullptr); !why.empty()) {
      return reaper::PrintFailure(stderr, why, kExitFailure);
    }
  }

  if (pidfile) {
    auto st = pidfile->Commit(id->pid, id->start_time);
    if (!st.ok()) {
      Abandon(id.value());
      return reaper::PrintFailure(stderr, st.error().ToString(), kExitFailure);
    }
  }
  std::string out = o.json ? reaper::IdentityJson(id.value(), o.command, unit) + "\n"
                           : std::to_string(id->pid) + (o.legacy ? "" : "\n");
  if (std::fputs(out.c_str(), stdout) < 0 || std::fflush(stdout) != 0) {
    // The caller may be gone (a crashed server). The command is detached and
    // must outlive it, so it keeps running; say which one it is.
    int e = errno;
    return reaper::PrintFailure(stderr,
                                std::string("output: stdout: ") + std::strerror(e) + " (pid " +
                                    std::to_string(id->pid) + " keeps running)",
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
