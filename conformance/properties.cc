#include "conformance/properties.h"

#include <algorithm>

#include "conformance/describe.h"

namespace reap_conformance {

using std::chrono::milliseconds;

const std::vector<Property>& Properties() {
  // name, cli, server, window
  static const std::vector<Property> all = {
      {PropertyId::kExecFailure, "exec-failure", true, true, milliseconds(0)},
      {PropertyId::kArgvLiteral, "argv-literal", true, true, milliseconds(0)},
      {PropertyId::kNewSession, "new-session", true, true, milliseconds(0)},
      // A server's commands may stay its children this long after the reply.
      {PropertyId::kReparented, "reparented", true, true, milliseconds(500)},
      {PropertyId::kPromptAdoption, "prompt-adoption", true, false, milliseconds(500)},
      // After the last short command exited.
      {PropertyId::kNoZombies, "no-zombies", false, true, milliseconds(1000)},
      {PropertyId::kSurvivesGroupKill, "survives-group-kill", true, true, milliseconds(0)},
      {PropertyId::kSurvivesHangup, "survives-hangup", true, false, milliseconds(0)},
      {PropertyId::kSafeAtReturn, "safe-at-return", true, false, milliseconds(0)},
      // A zombie held by anyone but the adopter.
      {PropertyId::kQuickExit, "quick-exit", true, false, milliseconds(20)},
      {PropertyId::kCleanSignals, "clean-signals", true, true, milliseconds(0)},
      {PropertyId::kNoLeakedFds, "no-leaked-fds", true, true, milliseconds(0)},
      {PropertyId::kStdioDetached, "stdio-detached", true, true, milliseconds(0)},
      // A zombie child held by the detacher.
      {PropertyId::kNoIntermediate, "no-intermediate", true, false, milliseconds(20)},
      {PropertyId::kPidAccurate, "pid-accurate", true, true, milliseconds(0)},
      // Last but one: in server mode these two start servers of their own,
      // whose cleanup ends every command the suite started.
      {PropertyId::kSurvivesCgroupKill, "survives-cgroup-kill", true, true, milliseconds(0)},
      {PropertyId::kRandomFaults, "random-faults", true, true, milliseconds(0)},
  };
  return all;
}

const Property& PropertyOf(PropertyId id) {
  const auto& all = Properties();
  return *std::find_if(all.begin(), all.end(), [&](const Property& p) { return p.id == id; });
}

const Property* FindProperty(std::string_view name) {
  for (const Property& p : Properties()) {
    if (name == p.name) return &p;
  }
  return nullptr;
}

std::vector<std::string> PropertyNames(Mode mode) {
  std::vector<std::string> out;
  for (const Property& p : Properties()) {
    if (mode == Mode::kCli ? p.cli : p.server) out.emplace_back(p.name);
  }
  return out;
}

std::vector<std::string> PropertyNames() {
  std::vector<std::string> out;
  for (const Property& p : Properties()) out.emplace_back(p.name);
  return out;
}

Outcome DrawRounds(int rounds, const std::function<Round()>& round,
                   const std::function<std::string()>& about) {
  int exercised = 0, attempts = 0;
  while (exercised < rounds && attempts < rounds * kAttemptsPerRound) {
    Round r = round();
    ++attempts;
    if (r.violation) return Fail(*r.violation);
    exercised += r.exercised;
  }
  std::string counts = std::to_string(exercised) + " of " + std::to_string(attempts) + " rounds exercised";
  if (exercised < rounds) {
    return Inconclusive(counts + " (" + std::to_string(rounds) + " needed) " + about() +
                        ": in the others the fault landed before any command existed");
  }
  return Pass(counts + " " + about());
}

std::vector<std::string> TrickyArguments(const std::string& marker) {
  return {"two words",
          "'single'",
          "\"double\"",
          "semi;touch " + marker,
          "$(touch " + marker + ")",
          "`touch " + marker + "`",
          "line1\nline2",
          "*",
          "$HOME",
          ""};
}

const char kArgvLiteralPasses[] =
    "spaces, quotes, ; $() ` newline * $HOME and an empty argument arrive literally";

std::optional<std::string> ArgvViolation(const std::vector<std::string>& cmdline,
                                         const std::vector<std::string>& payload, bool marker_exists) {
  if (marker_exists) return std::string("the arguments were interpreted: an injected command ran");
  auto it = std::find(cmdline.begin(), cmdline.end(), "--");
  std::vector<std::string> got(it == cmdline.end() ? cmdline.end() : it + 1, cmdline.end());
  if (got == payload) return std::nullopt;
  return "arguments were changed on the way (got " + std::to_string(got.size()) + " of " +
         std::to_string(payload.size()) + " intact)";
}

std::optional<std::string> NewSessionViolation(const ProbeReport& c, pid_t caller_sid, pid_t caller_pgid,
                                               std::string_view caller) {
  if (c.sid == caller_sid) return "the command stays in the " + std::string(caller) + "'s session";
  if (c.pgid == caller_pgid) return "the command stays in the " + std::string(caller) + "'s process group";
  if (c.tty != 0) return std::string("the command has a controlling terminal");
  return std::nullopt;
}

std::optional<std::string> CleanSignalsViolation(const ProbeReport& c) {
  if (c.sigign == 0 && c.sigblk == 0) return std::nullopt;
  std::string what;
  if (c.sigign) what = DescribeSignalMask(c.sigign) + " ignored";
  if (c.sigblk) what += (what.empty() ? "" : ", ") + DescribeSignalMask(c.sigblk) + " blocked";
  return "starts with " + what;
}

std::optional<std::string> LeakedFdsViolation(const ProbeReport& c, const std::vector<int>& caller_fds,
                                              std::string_view caller) {
  std::vector<int> from_caller, other;
  for (int fd : c.fds) {
    if (fd <= 2) continue;
    (std::count(caller_fds.begin(), caller_fds.end(), fd) ? from_caller : other).push_back(fd);
  }
  std::optional<std::string> f;
  if (caller_fds.empty() && !other.empty()) return "the command holds fds " + Join(other) + " beyond 0,1,2";
  if (!from_caller.empty()) {
    f = "the command holds the " + std::string(caller) + "'s fds " + Join(from_caller) + " (of " +
        Join(caller_fds) + ")";
  }
  if (!other.empty()) {
    f = (f ? *f + " and" : std::string("the command holds")) + " fds " + Join(other) + " that the " +
        std::string(caller) + " did not have";
  }
  return f;
}

std::optional<std::string> StdioViolation(const std::vector<std::string>& targets,
                                          const std::vector<std::string>& caller_pipes,
                                          std::string_view caller) {
  for (std::size_t fd = 0; fd < targets.size() && fd < 3; ++fd) {
    const std::string& t = targets[fd];
    if (std::count(caller_pipes.begin(), caller_pipes.end(), t)) {
      return "fd " + std::to_string(fd) + " is the " + std::string(caller) + "'s " + t +
             " (a capture of its output would never end, or the command writes into its protocol)";
    }
    if (t.rfind("/dev/pts", 0) == 0 || t.rfind("/dev/tty", 0) == 0)
      return "fd " + std::to_string(fd) + " is the terminal " + t;
  }
  return std::nullopt;
}

std::optional<std::string> PidViolation(pid_t reported, pid_t command) {
  if (reported == command) return std::nullopt;
  return "reported pid " + std::to_string(reported) + " but the command is pid " + std::to_string(command);
}

std::string Join(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

}  // namespace reap_conformance
