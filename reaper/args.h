// Command-line parsing of reaper: the modern form and the legacy Go tool's
// form, both into a reap::Command plus output options. No process logic.
#ifndef REAP_REAPER_ARGS_H_
#define REAP_REAPER_ARGS_H_

#include <optional>
#include <string>
#include <vector>

#include "reap/command.h"
#include "reap/error.h"
#include "reap/scope_spec.h"
#include "reap/version.h"

namespace reaper {

inline constexpr const char* kVersion = reap::kVersion;

struct CliOptions {
  enum class Action {
    kDetach,
    kHelp,           // --help: full help on stdout
    kVersion,        // --version: "reaper VERSION\n"
    kLegacyHelp,     // -h: the Go tool's usage on stderr, exit 0
    kLegacyVersion,  // -v: "reaper version: VERSION\n"
    kDoctor,         // reaper doctor
  };
  Action action = Action::kDetach;
  reap::Command command;
  bool legacy = false;  // legacy form: PID printed with no newline
  bool json = false;
  std::string pidfile;
  bool force = false;
  // --wait-ready[=SECONDS]: wait for READY=1 on $NOTIFY_SOCKET (sd_notify).
  std::optional<double> wait_ready;
  // --wait-alive=SECONDS: fail if the command exits within SECONDS.
  std::optional<double> wait_alive;
  // --user USER[:GROUP], resolved by main before anything starts.
  std::string user;
  // --scope[=NAME], --slice=SLICE, --property=K=V: a transient systemd scope.
  bool scope = false;
  reap::Scope scope_options;
};

// Parses argv[1..] (ARGS excludes the program name). Usage errors come back
// with op "usage" and a reason naming the offending argument.
reap::Result<CliOptions> ParseArgs(const std::vector<std::string>& args);

// The options the parser knows (modern form), in its table's order: what
// --help lists, and through it the man page and the bash completion (their
// tests hold them to --help).
std::vector<std::string> OptionNames();

// True when ARGS use the legacy form (-cmd, -args, -h, -v).
bool IsLegacyForm(const std::vector<std::string>& args);

// Texts shown by --help and -h.
std::string HelpText();
std::string LegacyUsageText();

}  // namespace reaper

#endif  // REAP_REAPER_ARGS_H_
