// What to run: plain data, validated once before any process exists.
#ifndef REAP_REAP_COMMAND_H_
#define REAP_REAP_COMMAND_H_

#include <sys/types.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reap/error.h"

namespace reap {

// Whether NAME can be an environment variable's name in a Command: not
// empty, no '=', no NUL byte.
bool IsValidEnvName(std::string_view name);

// Where one of the command's fds 0, 1 or 2 points.
struct Stdio {
  enum class Mode { kNull, kInherit, kFile };
  Mode mode = Mode::kNull;  // default: /dev/null
  std::string path;         // kFile only; relative to the caller's cwd
  bool append = false;      // kFile output only: O_APPEND instead of O_TRUNC

  static Stdio Null() { return {}; }
  static Stdio Inherit() { return {Mode::kInherit, {}, false}; }
  static Stdio File(std::string path, bool append = false) { return {Mode::kFile, std::move(path), append}; }
};

struct Command {
  // Program to run. Without '/', looked up in the PATH of the command's final
  // environment (or the system default path when that has no PATH).
  std::string program;
  // argv[1..]; argv[0] is `program` exactly as given.
  std::vector<std::string> args;

  // Environment: the caller's environ, unless clear_env; then unset_env names
  // are removed; then set_env entries are added or replaced, in order.
  bool clear_env = false;
  std::vector<std::string> unset_env;
  std::vector<std::pair<std::string, std::string>> set_env;

  // Working directory of the command; empty: the caller's.
  std::string cwd;
  // File mode creation mask of the command (0..0777); nullopt: the caller's.
  std::optional<mode_t> umask;
  // Descriptors (>= 3) the command keeps; every other fd >= 3 is closed.
  std::vector<int> keep_fds;
  // fds 0, 1, 2 of the command. Files are opened before the chdir, so a
  // relative path is relative to the caller's cwd; outputs are created with
  // mode 0666 & ~umask. When stdout and stderr name the same path (with the
  // same append flag), the file is opened once and shared, so neither
  // stream overwrites the other.
  std::array<Stdio, 3> stdio{};

  // Run as another user: supplementary groups, then real/effective/saved
  // gid, then uid, set in the command's process after its stdio files are
  // opened (as the caller) and before the chdir and exec. Set with the raw
  // per-process system calls: glibc's setuid family would signal every
  // thread of the caller, whose memory the child shares. Resolve names with
  // ResolveUser (reap/user.h).
  struct User {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
  };
  std::optional<User> user;

  // A cgroup v2 directory to create the command's process in, directly
  // (clone3 with CLONE_INTO_CGROUP, Linux 5.7+): a kill of the caller's
  // cgroup (systemd stopping its service, a write to cgroup.kill) then
  // spares it. For supervisors that own a delegated subtree, and machines
  // without systemd. Empty: the caller's cgroup. Relative to the caller's
  // cwd. Errors have stage kCgroup and leave no process.
  std::string cgroup;

  // Checks the data alone (no system state): empty program, NUL bytes,
  // umask range, keep_fds < 3, malformed env names. Stage kValidate, EINVAL.
  [[nodiscard]] std::optional<Error> Validate() const;
};

}  // namespace reap

#endif  // REAP_REAP_COMMAND_H_
