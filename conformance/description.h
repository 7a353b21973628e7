// A detacher description: how to run some detacher around a command, where
// its PID comes from, and which properties it does not claim.
//
// File format: one "key = value" per line, '#' starts a comment.
//   name      = setsid -f
//   template  = setsid -f {cmd}
//   pid       = adopted            # stdout | pidfile | adopted
//   unclaimed = pid-accurate stdio-detached
//   mode      = cli                # cli (default) | server
//
// A server (mode = server) is started once from the template and reads one
// request per line on stdin, the command's argv as a JSON array of strings;
// it answers each with one line on stdout: the PID in decimal, or a line
// starting with "error". It exits at the end of its input.
//
// The template is split into words like a shell would (quotes honoured,
// nothing expanded). A word that is exactly {cmd}, {abs_cmd} or {args}
// becomes several words; other placeholders are replaced inside words:
//   {cmd}       the command: program name and its arguments
//   {abs_cmd}   the same with the program's absolute path
//   {program} {abs_program} {args}
//   {cmdline}   the command quoted into one shell string (for sh -c)
//   {pidfile}   a fresh path where the detacher should write the PID
//   {cgroup}    a cgroup v2 leaf to start the command in (survives-cgroup-kill),
//               when the suite found a writable cgroup2
//   {NAME}      any --define NAME=VALUE given to the suite
#ifndef REAP_CONFORMANCE_DESCRIPTION_H_
#define REAP_CONFORMANCE_DESCRIPTION_H_

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/properties.h"
#include "reap/error.h"

namespace reap_conformance {

enum class PidSource { kStdout, kPidfile, kAdopted };

struct Description {
  std::string name;
  std::vector<std::string> template_words;  // already split
  PidSource pid = PidSource::kStdout;
  Mode mode = Mode::kCli;
  std::set<std::string> unclaimed;
};

// Parses a description file's text. Unknown keys, unknown properties,
// missing name/template and bad quoting are errors (op "description", the
// line in `reason`: "line 2: unknown key 'x'").
reap::Result<Description> ParseDescription(std::string_view text);

// Sets one field (KEY is name, template, pid, mode or unclaimed) from VALUE,
// as a file's "KEY = VALUE" line would. The error's `reason` names neither
// line nor key ("unterminated double quote"), so that a file can say
// "line 2: template: ..." and an option "--template: ...".
reap::Status SetField(Description* d, const std::string& key, const std::string& value);
// A description needs a name and a template.
reap::Status CheckComplete(const Description& d);

// The command a trial detaches.
struct CommandSpec {
  std::string program;      // as the detacher should be given it
  std::string abs_program;  // absolute path
  std::vector<std::string> args;
  std::string pidfile;
};

// Expands the template into argv. Unknown placeholders are errors.
reap::Result<std::vector<std::string>> Expand(const Description& d, const CommandSpec& c,
                                              const std::map<std::string, std::string>& defines);

}  // namespace reap_conformance

#endif  // REAP_CONFORMANCE_DESCRIPTION_H_
