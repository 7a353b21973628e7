// What a failed start of reaper tells its caller: the exit statuses, and
// the STAGE word that starts the one line on stderr,
// "reaper: STAGE: WHAT: REASON". The one list: --help is made from it, and
// failures_test holds reaper.1 and the README to it and checks that each
// failure reaper prints uses a word and a status of it.
#ifndef REAP_REAPER_FAILURES_H_
#define REAP_REAPER_FAILURES_H_

namespace reaper {

struct ExitStatus {
  int code;
  const char* meaning;
};

inline constexpr ExitStatus kExitStatuses[] = {
    {0, "started (the exec succeeded)"},
    {1, "any other failure (the STAGE word says which)"},
    {2, "usage error"},
    {3, "started, but the PID could not be written to stdout (the command keeps running; stderr names it)"},
    {4, "not placed in its cgroup or scope (--cgroup, --scope; nothing is left running)"},
    {126, "found but not executable"},
    {127, "not found"},
};

struct FailureWord {
  const char* word;
  const char* meaning;
};

// In the order a start meets them.
inline constexpr FailureWord kFailureWords[] = {
    {"usage", "the command line of reaper itself"},
    {"validate", "the command's description (an empty program, a NUL in an argument)"},
    {"user", "--user: no such user or group"},
    {"notify", "--wait-ready: its notify socket could not be made"},
    {"pidfile", "--pidfile: the file, its directory, or a live process it names"},
    {"scope", "--scope: systemd did not make the scope (its own error text follows)"},
    {"resolve", "finding COMMAND on PATH"},
    {"setup", "preparing the start in reaper"},
    {"intermediate", "the intermediate process"},
    {"clone", "creating the command's process (clone; there is no fork)"},
    {"cgroup", "--cgroup: the directory, or creating the process in it"},
    {"setsid", "the new session"},
    {"signals", "resetting signal handling"},
    {"stdin", "--stdin"},
    {"stdout", "--stdout"},
    {"stderr", "--stderr"},
    {"chdir", "--cwd"},
    {"keep-fd", "--keep-fd: a descriptor that is not open"},
    {"close-fds", "closing inherited descriptors"},
    {"exec", "executing COMMAND"},
    {"lost", "the command's process died before its exec"},
    {"start", "--wait-ready, --wait-alive: the command exited (its status is in the line)"},
    {"ready", "--wait-ready: no READY=1 in time (the command was killed)"},
    {"output", "writing the PID to stdout (exit 3)"},
};

}  // namespace reaper

#endif  // REAP_REAPER_FAILURES_H_
