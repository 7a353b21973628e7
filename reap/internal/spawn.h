// The clone chain of one detach. Everything here is prepared by the caller;
// the child-side code only reads it.
#ifndef REAP_REAP_INTERNAL_SPAWN_H_
#define REAP_REAP_INTERNAL_SPAWN_H_

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "reap/error.h"
#include "reap/identity.h"

namespace reap {
namespace internal {

struct SpawnStdio {
  // kSameAsStdout (stderr only): a dup of the command's fd 1, when both name
  // the same file (one open file description, so neither clobbers the
  // other) or both are /dev/null (one open fewer).
  enum Mode : int { kNull, kInherit, kFile, kSameAsStdout } mode;
  const char* path;  // kFile: the file; kNull: "/dev/null"
  int flags;         // open(2) flags, without O_CLOEXEC
};

// Plain pointers into storage the caller keeps alive for the whole Spawn.
struct SpawnArgs {
  const char* path;   // resolved program path, given to execve
  char* const* argv;  // NULL-terminated
  char* const* envp;  // NULL-terminated
  const char* cwd;    // nullptr: keep the caller's
  int umask;          // -1: keep the caller's
  SpawnStdio stdio[3];
  const int* keep_fds;  // ascending, unique, all >= 3
  std::size_t keep_count;
  // false: caller -> intermediate -> command (Detach). true: the caller is
  // the intermediate itself: the command is its child (DetachAsIntermediate).
  bool caller_is_intermediate;
  // Command::user: has_user false keeps the caller's credentials.
  bool has_user;
  uid_t uid;
  gid_t gid;
  const gid_t* groups;
  std::size_t group_count;
  // The command's start time (in /proc/PID/stat's clock ticks) is reported
  // only when the caller's /proc is of its own PID namespace (else nobody
  // could check it later). ns_per_tick: 10^9 / sysconf(_SC_CLK_TCK), 0 when
  // unknown (then the start time is read from /proc/self/stat).
  bool proc_is_ours;
  std::uint64_t ns_per_tick;
  // Command::cgroup: an O_PATH fd of the cgroup v2 directory the command's
  // process is created in (clone3 CLONE_INTO_CGROUP), and its path for
  // errors; -1 and nullptr: the caller's cgroup (plain clone).
  int cgroup_fd;
  const char* cgroup_path;
};
static_assert(std::is_trivially_destructible<SpawnArgs>::value,
              "SpawnArgs is read between clone and exec: no destructors");

// Runs the clone chain (one or two clones, see caller_is_intermediate). On failure the Error's `what` is
// filled from args (the path, cwd or fd involved).
Result<Identity> RunCloneChain(const SpawnArgs& args);

}  // namespace internal
}  // namespace reap

#endif  // REAP_REAP_INTERNAL_SPAWN_H_
