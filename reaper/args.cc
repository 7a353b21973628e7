#include "reaper/args.h"

#include <errno.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "reap/decimal.h"
#include "reaper/failures.h"
#include "text/words.h"

namespace reaper {
namespace {

reap::Error Usage(std::string message) { return reap::OpError("usage", 0, {}, std::move(message)); }

// "-name", "--name", "-name=V", "--name=V" -> name (without value).
std::string_view FlagName(std::string_view arg) {
  if (arg.size() < 2 || arg[0] != '-') return {};
  std::string_view s = arg.substr(arg[1] == '-' ? 2 : 1);
  return s.substr(0, s.find('='));
}

std::optional<int> ParseFd(const std::string& s) {
  unsigned long long v = 0;
  if (!reap::ParseDecimal(s, 0x7fffffff, &v)) return std::nullopt;
  return static_cast<int>(v);
}

std::optional<mode_t> ParseOctal(const std::string& s) {
  if (s.empty() || s.size() > 4) return std::nullopt;
  mode_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '7') return std::nullopt;
    v = v * 8 + static_cast<mode_t>(c - '0');
  }
  if (v > 0777) return std::nullopt;
  return v;
}

reap::Stdio StdioFor(const std::string& value) {
  return value == "-" ? reap::Stdio::Inherit() : reap::Stdio::File(value);
}

reap::Result<CliOptions> ParseLegacy(const std::vector<std::string>& args) {
  // Go's flag package: -f=v, --f=v, -f v; bools -h, -h=true; stops at the
  // first non-flag argument or "--".
  CliOptions o;
  o.legacy = true;
  std::string cmd, cmd_args;
  bool help = false, version = false;
  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.size() < 2 || a[0] != '-') break;
    std::string_view name = FlagName(a);
    std::size_t eq = a.find('=');
    std::optional<std::string> value;
    if (eq != std::string::npos) value = a.substr(eq + 1);
    if (name == "cmd" || name == "args") {
      if (!value) {
        if (i + 1 >= args.size()) return Usage("flag needs an argument: -" + std::string(name));
        value = args[++i];
      }
      (name == "cmd" ? cmd : cmd_args) = *value;
    } else if (name == "h" || name == "help" || name == "v") {
      bool on = true;
      if (value) {
        if (*value == "true" || *value == "1") {
          on = true;
        } else if (*value == "false" || *value == "0") {
          on = false;
        } else {
          return Usage("invalid boolean value \"" + *value + "\" for -" + std::string(name));
        }
      }
      (name == "v" ? version : help) = on;
    } else {
      return Usage("flag provided but not defined: " + a);
    }
  }
  if (i < args.size()) {
    return Usage("unexpected argument '" + args[i] + "' (legacy form takes only -cmd and -args)");
  }
  if (help) {
    o.action = CliOptions::Action::kLegacyHelp;
    return o;
  }
  if (version) {
    o.action = CliOptions::Action::kLegacyVersion;
    return o;
  }
  // The Go tool pasted both values into a bash command line, so bash removed
  // one layer of quotes and split words. We split the same way, but expand
  // nothing and run no shell.
  std::string why;
  auto cmd_words = reap_text::SplitWords(cmd, &why);
  if (!cmd_words) return Usage("-cmd: " + why);
  if (cmd_words->empty() || cmd_words->front().empty()) return Usage("-cmd is empty");
  // ["reaper", "-cmd='x' -args='30'"]: both flags in one argument (no shell
  // split them). Running x with a literal "-args=30" would hide the mistake.
  for (const std::string& w : *cmd_words) {
    if (w == "-args" || w.rfind("-args=", 0) == 0 || w == "--args" || w.rfind("--args=", 0) == 0) {
      return Usage(
          "-cmd's value holds -args: give them as two arguments, -cmd='COMMAND' -args='ARGS' "
          "(from a program: [\"reaper\", \"-cmd=COMMAND\", \"-args=ARGS\"])");
    }
  }
  auto arg_words = reap_text::SplitWords(cmd_args, &why);
  if (!arg_words) return Usage("-args: " + why);
  o.command.program = cmd_words->front();
  o.command.args.assign(cmd_words->begin() + 1, cmd_words->end());
  o.command.args.insert(o.command.args.end(), arg_words->begin(), arg_words->end());
  return o;
}

}  // namespace

bool IsLegacyForm(const std::vector<std::string>& args) {
  if (args.empty()) return false;
  std::string_view name = FlagName(args[0]);
  if (name.empty()) return false;
  const std::string& a = args[0];
  bool single_dash = a[1] != '-';
  return name == "cmd" || name == "args" || (single_dash && (name == "h" || name == "v"));
}

namespace {

// The state of one parse of the modern form.
struct Parse {
  CliOptions o;
  std::optional<std::string> shell;  // --shell CMDLINE
  bool done = false;                 // --help or --version: stop here
};

// How an option takes its value.
enum class Takes {
  kNothing,      // a flag; "--name=V" is an unknown option
  kValue,        // "--name V" or "--name=V"
  kEqualsValue,  // only "--name=V"; "--name" alone means the default
};

// Applies option NAME with VALUE (nullopt: none given) to P; "" or why the
// value is wrong.
using Apply = std::string (*)(Parse* p, const std::string& name, const std::optional<std::string>& value);

struct Option {
  const char* name;
  Takes takes;
  Apply apply;
};

std::string SetStdio(Parse* p, const std::string& name, const std::optional<std::string>& v) {
  if (v->empty()) return name + " needs a file name (or - to inherit)";
  int fd = name == "--stdin" ? 0 : name == "--stdout" ? 1 : 2;
  bool append = p->o.command.stdio[fd].append;
  p->o.command.stdio[fd] = StdioFor(*v);
  p->o.command.stdio[fd].append = append;
  return "";
}

std::string Seconds(Parse* p, const std::string& name, const std::optional<std::string>& v) {
  double seconds = 60;
  if (name == "--wait-alive" && !v) return "--wait-alive needs =SECONDS";
  if (v) {
    char* end = nullptr;
    seconds = std::strtod(v->c_str(), &end);
    if (v->empty() || *end != '\0' || !(seconds > 0) || seconds > 86400) {
      return name + " wants seconds (0 < S <= 86400), not '" + *v + "'";
    }
  }
  (name == "--wait-ready" ? p->o.wait_ready : p->o.wait_alive) = seconds;
  return "";
}

const Option kOptions[] = {
    {"--help", Takes::kNothing,
     [](Parse* p, const std::string&, const std::optional<std::string>&) {
       p->o.action = CliOptions::Action::kHelp;
       p->done = true;
       return std::string();
     }},
    {"--version", Takes::kNothing,
     [](Parse* p, const std::string&, const std::optional<std::string>&) {
       p->o.action = CliOptions::Action::kVersion;
       p->done = true;
       return std::string();
     }},
    {"--stdin", Takes::kValue, SetStdio},
    {"--stdout", Takes::kValue, SetStdio},
    {"--stderr", Takes::kValue, SetStdio},
    {"--append", Takes::kNothing,
     [](Parse* p, const std::string&, const std::optional<std::string>&) {
       p->o.command.stdio[1].append = p->o.command.stdio[2].append = true;
       return std::string();
     }},
    {"--cwd", Takes::kValue,
     [](Parse* p, const std::string&, const std::optional<std::string>& v) {
       if (v->empty()) return std::string("--cwd needs a directory");
       p->o.command.cwd = *v;
       return std::string();
     }},
    {"--cgroup", Takes::kValue,
     [](Parse* p, const std::string&, const std::optional<std::string>& v) {
       if (v->empty()) return std::string("--cgroup needs a cgroup v2 directory");
       p->o.command.cgroup = *v;
       return std::string();
     }},
    {"--scope", Takes::kEqualsValue,
     [](Parse* p, const std::string&, const std::optional<std::string>& v) {
       p->o.scope = true;
       if (v) p->o.scope_options.name = *v;
       return std::string();
     }},
    {"--slice", Takes::kValue,
     [](Parse* p, const std::string&, const std::optional<std::string>& v) {
       p->o.scope_options.slice = *v;
       return std::string();
     }},
    {"--property", Takes::kValue,
     [](Parse* p, const std::string&, const std::optional<std::string>& v) {
       std::size_t eq = v->find('=');
       if (eq == std::string::npos || eq == 0) return "--property needs NAME=VALUE, got '" + *v + "'";
       p->o.scope_options.properties.emplace_back(v->substr(0, eq), v->substr(eq + 1));
       return std::string();
     }},
    {"--env", Takes::kValue,
     [](Parse* p, const std::string&, const std::optional<std::string>& v) {
       std::size_t eq = v->find('=');
       if (eq == std::string::npos || eq == 0) return "--env needs NAME=VALUE, got '" + *v + "'";
       p->o.command.set_env.emplace_back(v->substr(0, eq), v->substr(eq + 1));
       return std::string();
     }},
    {"--unset-env", Takes::kValue,
     [](Parse* p, const std::string&, const std::optional<std::string>& v) {
       if (!reap::IsValidEnvName(*v)) return "--unset-env needs a variable name, got '" + *v + "'";
       p->o.command.unset_env.push_back(*v);
       return std::string();
     }},
    {"--clear-env", Takes::kNothing,
     [](Parse* p, const std::string&, const std::optional<std::string>&) {
       p->o.command.clear_env = true;
       return std::string();
     }},
    {"--umask", Takes::kValue,
     [](Parse* p, const std::string&, const std::optional<std::string>& v) {
       auto m = ParseOctal(*v);
       if (!m) return "--umask needs an octal mode 0..777, got '" + *v + "'";
       p->o.command.umask = *m;
       return std::string();
     }},
    {"--keep-fd", Takes::kValue,
     [](Parse* p, const std::string&, const std::optional<std::string>& v) {
       auto fd = ParseFd(*v);
       if (!fd || *fd < 3) return "--keep-fd needs a descriptor number >= 3, got '" + *v + "'";
       p->o.command.keep_fds.push_back(*fd);
       return std::string();
     }},
    {"--pidfile", Takes::kValue,
     [](Parse* p, const std::string&, const std::optional<std::string>& v) {
       if (v->empty()) return std::string("--pidfile needs a file name");
       p->o.pidfile = *v;
       return std::string();
     }},
    {"--force", Takes::kNothing,
     [](Parse* p, const std::string&, const std::optional<std::string>&) {
       p->o.force = true;
       return std::string();
     }},
    {"--wait-ready", Takes::kEqualsValue, Seconds},
    {"--wait-alive", Takes::kEqualsValue, Seconds},
    {"--user", Takes::kValue,
     [](Parse* p, const std::string&, const std::optional<std::string>& v) {
       if (v->empty()) return std::string("--user needs USER[:GROUP]");
       p->o.user = *v;
       return std::string();
     }},
    {"--json", Takes::kNothing,
     [](Parse* p, const std::string&, const std::optional<std::string>&) {
       p->o.json = true;
       return std::string();
     }},
    {"--shell", Takes::kValue,
     [](Parse* p, const std::string&, const std::optional<std::string>& v) {
       p->shell = *v;
       return std::string();
     }},
};

}  // namespace

std::vector<std::string> OptionNames() {
  std::vector<std::string> out;
  for (const Option& o : kOptions) out.push_back(o.name);
  return out;
}

namespace {

const Option* FindOption(const std::string& name) {
  for (const Option& o : kOptions) {
    if (name == o.name) return &o;
  }
  return nullptr;
}

// The command after the options (ARGS[I...]), or the --shell line.
reap::Result<CliOptions> WithCommand(Parse p, const std::vector<std::string>& args, std::size_t i) {
  CliOptions& o = p.o;
  if (p.shell) {
    if (p.shell->find_first_not_of(" \t\n") == std::string::npos)
      return Usage("--shell needs a command line");
    if (i < args.size()) return Usage("--shell takes the whole command line; got extra '" + args[i] + "'");
    o.command.program = "/bin/sh";
    o.command.args = {"-c", *p.shell};
    return o;
  }
  if (i >= args.size()) return Usage("no command given");
  o.command.program = args[i];
  o.command.args.assign(args.begin() + static_cast<long>(i) + 1, args.end());
  if (o.command.program.empty()) return Usage("empty command name");
  return o;
}

}  // namespace

reap::Result<CliOptions> ParseArgs(const std::vector<std::string>& args) {
  if (IsLegacyForm(args)) return ParseLegacy(args);
  Parse p;
  if (!args.empty() && args[0] == "doctor") {
    if (args.size() > 1) return Usage("doctor takes no arguments");
    p.o.action = CliOptions::Action::kDoctor;
    return p.o;
  }
  std::size_t i = 0;
  for (; i < args.size() && !p.done; ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.size() < 2 || a[0] != '-') break;  // the command starts here
    std::string name = a;
    std::optional<std::string> value;
    if (a.compare(0, 2, "--") == 0 && a.find('=') != std::string::npos) {
      name = a.substr(0, a.find('='));
      value = a.substr(a.find('=') + 1);
    }
    const Option* option = FindOption(name);
    if (option == nullptr || (option->takes == Takes::kNothing && value)) {
      return Usage("unknown option '" + a + "'");
    }
    if (option->takes == Takes::kEqualsValue && !value && i + 1 < args.size()) {
      // "--wait-ready 2" would run a command named 2.
      char* end = nullptr;
      const std::string& next = args[i + 1];
      std::strtod(next.c_str(), &end);
      if (!next.empty() && *end == '\0') {
        return Usage(name + " takes its seconds after '=' (" + name + "=" + next + "); a command named " +
                     next + " goes after --");
      }
    }
    if (option->takes == Takes::kValue && !value) {
      if (i + 1 >= args.size()) return Usage(name + " needs a value");
      value = args[++i];
    }
    if (std::string why = option->apply(&p, name, value); !why.empty()) return Usage(why);
  }
  if (p.done) return p.o;
  const reap::Scope& s = p.o.scope_options;
  if (!p.o.scope && (!s.slice.empty() || !s.properties.empty())) {
    return Usage("--slice and --property set up a --scope; give --scope too");
  }
  if (p.o.scope) {
    if (auto valid = reap::ValidateScope(s); !valid.ok()) return Usage("--scope: " + valid.error().Message());
    if (!p.o.command.cgroup.empty()) return Usage("--scope and --cgroup both place COMMAND; give one");
    if (p.o.wait_ready || p.o.wait_alive) {
      return Usage("--scope cannot be combined with --wait-ready or --wait-alive yet");
    }
  }
  return WithCommand(std::move(p), args, i);
}

namespace {

// Appends WORDS to TEXT, wrapped at 76 columns with INDENT on new lines.
void Wrap(const std::string& words, const std::string& indent, std::string* text) {
  std::size_t line_start = text->rfind('\n') + 1;
  std::size_t pos = 0;
  while (pos < words.size()) {
    std::size_t end = words.find(' ', pos);
    if (end == std::string::npos) end = words.size();
    std::string word = words.substr(pos, end - pos);
    pos = end + 1;
    bool at_start = text->size() == line_start || text->back() == ' ';
    if (text->size() - line_start + word.size() + (at_start ? 0 : 1) > 76) {
      *text += "\n" + indent;
      line_start = text->size() - indent.size();
    } else if (!at_start) {
      *text += " ";
    }
    *text += word;
  }
}

// The exit statuses and STAGE words, from reaper/failures.h.
std::string FailuresText() {
  std::string text = "Exit status of a start:\n";
  for (const ExitStatus& e : kExitStatuses) {
    char code[16];
    std::snprintf(code, sizeof code, "  %-5d", e.code);
    text += code;
    Wrap(e.meaning, "       ", &text);
    text += "\n";
  }
  text += "On failure stdout is empty and stderr has one line, \"reaper: STAGE: WHAT:\n";
  std::string words = "REASON\", STAGE being one of:";
  for (const FailureWord& w : kFailureWords) words += std::string(" ") + w.word;
  words += " (reaper(1) says what each means).";
  Wrap(words, "", &text);
  return text + "\n";
}

}  // namespace

std::string HelpText() {
  return R"(Usage: reaper [OPTIONS] [--] COMMAND [ARG...]
       reaper [OPTIONS] --shell 'CMDLINE'
       reaper -cmd='COMMAND' [-args='ARGS']      (legacy form)
       reaper doctor
       reaper status TARGET
       reaper signal SIGNAL TARGET
       reaper stop [--timeout SECONDS] TARGET
       reaper wait [--timeout SECONDS] TARGET

Start COMMAND detached: in a new session, not a child of the caller, with
default signal handling, an empty signal mask and only fds 0-2 (plus
--keep-fd ones). Prints its PID once the exec has succeeded. (A command
named doctor, status, signal, stop or wait needs "--" before it.)

TARGET is --pidfile FILE (written by reaper --pidfile), PID:START_TIME
(the "target" that --json prints), or UNIT.scope (the "unit" of --scope:
every process in that scope's cgroup). A process is checked by PID and
start time, and signalled through a pidfd: a recycled PID is never
signalled. A PID alone is refused by signal and stop; status prints the
PID:START_TIME of the process it names now.
  status             is it running? exit 0 running, 1 dead but the pidfile
                     exists, 3 not running, 4 unknown (LSB)
  signal SIGNAL      send SIGNAL (TERM, SIGTERM or 15)
  stop               SIGTERM, wait --timeout SECONDS (default 10), then
                     SIGKILL
  wait               wait for it to exit (at most --timeout SECONDS)
  signal/stop/wait exit 0 done, 1 not running, 3 failed or timed out,
  4 unknown, 5 the PID now names another process (nothing signalled).

Options:
  --stdin FILE       read stdin from FILE (default /dev/null; - inherits)
  --stdout FILE      write stdout to FILE, truncated (default /dev/null;
                     - inherits)
  --stderr FILE      write stderr to FILE, truncated (default /dev/null;
                     - inherits)
  --append           append to the --stdout/--stderr files instead
  --cwd DIR          run COMMAND in DIR (stdio files are opened first,
                     relative to the current directory; a relative COMMAND
                     path is found in DIR)
  --cgroup DIR       create COMMAND directly in the cgroup v2 directory DIR
                     (clone3, Linux 5.7+): it survives a kill of this
                     cgroup, e.g. systemd stopping the caller's service
  --scope[=NAME]     put COMMAND in a new transient systemd scope (default
                     name reap-PID.scope; system manager as root, else the
                     user's): it survives a stop, restart or crash of the
                     service that started it
  --slice SLICE      the slice for --scope (e.g. workers.slice)
  --property K=V     a resource limit for --scope: MemoryMax, MemoryHigh,
                     MemoryLow, MemorySwapMax, TasksMax, CPUWeight, IOWeight,
                     CPUQuota (repeatable)
  --env NAME=VALUE   set a variable in COMMAND's environment (repeatable)
  --unset-env NAME   remove a variable from it (repeatable)
  --clear-env        start from an empty environment
  --umask OCTAL      file mode creation mask of COMMAND (0..777)
  --keep-fd N        keep descriptor N (>= 3) open in COMMAND (repeatable)
  --pidfile FILE     write the PID to FILE atomically once the exec succeeded;
                     refuses to replace a pidfile naming a live process
  --force            replace such a pidfile anyway
  --json             print {"pid","start_time","pgid","sid","target","argv"}
  --wait-ready[=S]   set NOTIFY_SOCKET and return only once COMMAND sent
                     READY=1 (sd_notify); fail if it exits first or is not
                     ready within S seconds (default 60; it is then killed)
  --wait-alive=S     fail if COMMAND exits within S seconds (for commands
                     that do not speak sd_notify)
  --user USER[:GROUP]  run COMMAND as USER (its groups), or as USER:GROUP;
                     stdio files are opened before, as the caller
  --shell CMDLINE    run /bin/sh -c CMDLINE detached (pipelines, redirections);
                     the PID is the shell's
  --help             show this help
  --version          show the version

Legacy form (the Go tool's interface): -cmd=X and -args=Y (also -cmd X,
--cmd=X); values may carry literal quotes; -args is split into words like a
shell would, but nothing is expanded and no shell runs. The PID is printed
with no trailing newline. -h shows the legacy usage, -v the version.

)" + FailuresText();
}

std::string LegacyUsageText() {
  // Laid out as Go's flag package prints defaults; the wording is ours.
  return R"(Usage of reaper:
  -args string
    	words passed to the -cmd program, split like a shell would (optional)
  -cmd string
    	program to start detached (required)
  -h	print this usage and exit
  -v	print the version and exit
)";
}

}  // namespace reaper
