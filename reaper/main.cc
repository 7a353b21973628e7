// reaper: the CLI over reap::DetachAsIntermediate. Parses, detaches,
// prints; no process logic of its own.
#include <errno.h>
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
#include "reaper/doctor.h"
#include "reaper/output.h"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(const std::string& line, int code) {
  std::fprintf(stderr, "reaper: %s\n", line.c_str());
  return code;
}

// Ends the command we started but cannot hand over. It is still our child
// (DetachAsIntermediate), so its PID cannot have been reused; reap it too.
void Abandon(const reap::Identity& id) {
  kill(id.pid, SIGKILL);
  while (waitpid(id.pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

int Run(const std::vector<std::string>& args) {
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
    auto w = reap::PidfileWriter::Prepare(o.pidfile, o.force);
    if (!w.ok()) {
      const reap::Error& e = w.error();
      std::string line = "pidfile: " + e.what;
      if (e.err != 0 && e.err != EEXIST) line += std::string(": ") + std::strerror(e.err);
      return Fail(line, kExitFailure);
    }
    pidfile.emplace(std::move(w.value()));
  }

  // reaper exits right after this, so it is the intermediate itself.
  auto id = reap::DetachAsIntermediate(o.command);
  if (!id.ok()) return Fail(id.error().ToString(), reaper::ExitCodeFor(id.error()));

  if (pidfile) {
    auto st = pidfile->Commit(id->pid);
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
                kExitFailure);
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
