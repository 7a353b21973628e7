// Detach: validation and preparation in the caller; the clone chain itself is
// in internal/spawn.cc.
#include "reap/detach.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "reap/internal/paths.h"
#include "reap/internal/spawn.h"
#include "reap/observe.h"
#include "reap/proc.h"

extern char** environ;

namespace reap {
namespace {

// Owns every string the child reads; SpawnArgs points into it.
struct Prepared {
  std::string path;
  std::vector<std::string> env;
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::vector<int> keep_fds;
};

std::string EnvName(const std::string& entry) { return entry.substr(0, entry.find('=')); }

// Linear in the number of entries: each name's slots are indexed once, so
// 64,000 set_env entries cost a hash lookup each, not a scan of the rest.
std::vector<std::string> BuildEnv(const Command& c) {
  std::vector<std::string> env;
  std::vector<bool> gone;
  std::unordered_map<std::string, std::vector<std::size_t>> slots;
  auto add = [&](std::string entry) {
    slots[std::string(EnvName(entry))].push_back(env.size());
    env.push_back(std::move(entry));
    gone.push_back(false);
  };
  auto erase = [&](const std::string& name) {
    auto it = slots.find(name);
    if (it == slots.end()) return;
    for (std::size_t i : it->second) gone[i] = true;
    it->second.clear();
  };
  if (!c.clear_env && environ != nullptr) {
    for (char** e = environ; *e != nullptr; ++e) add(*e);
  }
  for (const auto& name : c.unset_env) erase(name);
  for (const auto& [name, value] : c.set_env) {
    erase(name);
    add(name + "=" + value);
  }
  std::vector<std::string> out;
  out.reserve(env.size());
  for (std::size_t i = 0; i < env.size(); ++i) {
    if (!gone[i]) out.push_back(std::move(env[i]));
  }
  return out;
}

// PATH lookup as execvp does it, but in the caller, before any process
// exists. ENVP is the command's environment; its first PATH counts, as for
// getenv and execvp.
Result<std::string> Resolve(const std::string& program, char* const* envp) {
  const char* path_var = nullptr;
  for (char* const* e = envp; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, "PATH=", 5) == 0) {
      path_var = *e + 5;
      break;
    }
  }
  auto found = FindOnPath(program, path_var);
  if (!found.ok()) return StageError(Stage::kResolve, found.error().err, program);
  return found;
}

internal::SpawnStdio StdioPlan(const Stdio& s, int target) {
  // O_NOCTTY everywhere: the command leads a new session, and opening a
  // terminal would make it its controlling terminal (SIGHUP on hangup).
  internal::SpawnStdio out{internal::SpawnStdio::kNull, "/dev/null",
                           (target == 0 ? O_RDONLY : O_WRONLY) | O_NOCTTY};
  switch (s.mode) {
    case Stdio::Mode::kNull:
      break;
    case Stdio::Mode::kInherit:
      out.mode = internal::SpawnStdio::kInherit;
      out.path = nullptr;
      break;
    case Stdio::Mode::kFile:
      out.mode = internal::SpawnStdio::kFile;
      out.path = s.path.c_str();
      if (target != 0) {
        out.flags = O_WRONLY | O_CREAT | O_NOCTTY | (s.append ? O_APPEND : O_TRUNC);
      }
      break;
  }
  return out;
}

// An O_PATH fd of Command::cgroup, closed when the detach is over (O_CLOEXEC:
// a fork by another thread meanwhile cannot keep it).
class CgroupDir {
 public:
  CgroupDir() = default;
  CgroupDir(const CgroupDir&) = delete;
  CgroupDir& operator=(const CgroupDir&) = delete;
  ~CgroupDir() {
    if (fd_ >= 0) close(fd_);
  }
  // Opens PATH; an Error (stage kCgroup) unless it is a cgroup v2 directory.
  std::optional<Error> Open(const std::string& path) {
    fd_ = open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) return StageError(Stage::kCgroup, errno, path);
    struct statfs fs {};
    if (fstatfs(fd_, &fs) != 0) return StageError(Stage::kCgroup, errno, path);
    if (fs.f_type != CGROUP2_SUPER_MAGIC) {
      Error e{Stage::kCgroup, EBADF, path};
      e.reason = "not a cgroup v2 directory";
      return e;
    }
    return std::nullopt;
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// Words for what clone3(CLONE_INTO_CGROUP) refused, where strerror would
// mislead ("Device or resource busy").
std::string CgroupReason(int err) {
  switch (err) {
    case EBUSY:
      return "the cgroup has controllers enabled for its children, so it may hold no process of its own (use "
             "a leaf)";
    case EOPNOTSUPP:
      return "the cgroup cannot take processes (its type is domain invalid or threaded)";
    case EACCES:
    case EPERM:
      return "no permission to move a process there (write access to cgroup.procs of it and of the common "
             "ancestor is needed)";
    case ENOENT:
      return "the cgroup was removed";
    case ENOSYS:
      return "creating a process in a cgroup needs clone3 with CLONE_INTO_CGROUP (Linux 5.7+, x86-64)";
    default:
      return "";
  }
}

// Words for a failure whose errno alone would mislead or not say what to
// do; "" when strerror says it. Run in the caller, after the attempt.
std::string ReasonFor(const Error& e) {
  if (e.stage == Stage::kCgroup) return CgroupReason(e.err);
  struct stat st;
  if ((e.stage == Stage::kExec || e.stage == Stage::kResolve) && e.err == EACCES &&
      stat(e.what.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return "a directory, not a program";
  }
  if (e.stage == Stage::kExec && e.err == ENOEXEC) {
    return "not a program this system can run; a script needs a first line such as #!/bin/sh";
  }
  if ((e.stage == Stage::kStdin || e.stage == Stage::kStdout || e.stage == Stage::kStderr) &&
      e.err == ENOENT) {
    std::string dir, base;
    internal::SplitPath(e.what, &dir, &base);
    if (stat(dir.c_str(), &st) != 0) return "its directory " + dir + " does not exist";
  }
  return "";
}

// waitpid and the futex wait are cancellation points: a pthread_cancel of
// the calling thread there would leave the intermediate (exit signal 0,
// invisible to waitpid(-1)) as a zombie. glibc's posix_spawn does the same.
class NoCancellation {
 public:
  NoCancellation() { pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old_); }
  ~NoCancellation() { pthread_setcancelstate(old_, nullptr); }
  NoCancellation(const NoCancellation&) = delete;
  NoCancellation& operator=(const NoCancellation&) = delete;

 private:
  int old_ = PTHREAD_CANCEL_ENABLE;
};

Result<Identity> DetachImpl(const Command& command, bool caller_is_intermediate) {
  if (auto e = command.Validate()) return *e;
  NoCancellation no_cancel;

  Prepared p;
  // The caller's environment unchanged is passed as it is (as posix_spawn
  // and execvp do): copying it cost more than the rest of the preparation.
  char** envp = environ;
  if (command.clear_env || !command.unset_env.empty() || !command.set_env.empty()) {
    p.env = BuildEnv(command);
    p.envp.reserve(p.env.size() + 1);
    for (auto& e : p.env) p.envp.push_back(e.data());
    p.envp.push_back(nullptr);
    envp = p.envp.data();
  }
  auto path = Resolve(command.program, envp);
  if (!path.ok()) return path.error();
  p.path = path.value();

  p.argv.reserve(command.args.size() + 2);
  p.argv.push_back(const_cast<char*>(command.program.c_str()));
  for (const auto& a : command.args) p.argv.push_back(const_cast<char*>(a.c_str()));
  p.argv.push_back(nullptr);

  p.keep_fds = command.keep_fds;
  std::sort(p.keep_fds.begin(), p.keep_fds.end());
  p.keep_fds.erase(std::unique(p.keep_fds.begin(), p.keep_fds.end()), p.keep_fds.end());

  internal::SpawnArgs args{};
  args.path = p.path.c_str();
  args.argv = p.argv.data();
  args.envp = envp;
  args.cwd = command.cwd.empty() ? nullptr : command.cwd.c_str();
  args.umask = command.umask ? static_cast<int>(*command.umask) : -1;
  for (int i = 0; i < 3; ++i) args.stdio[i] = StdioPlan(command.stdio[i], i);
  const Stdio& out = command.stdio[1];
  const Stdio& err = command.stdio[2];
  const bool both_null = out.mode == Stdio::Mode::kNull && err.mode == Stdio::Mode::kNull;
  if (both_null || (out.mode == Stdio::Mode::kFile && err.mode == Stdio::Mode::kFile &&
                    out.path == err.path && out.append == err.append)) {
    args.stdio[2].mode = internal::SpawnStdio::kSameAsStdout;
  }
  args.keep_fds = p.keep_fds.data();
  args.keep_count = p.keep_fds.size();
  args.caller_is_intermediate = caller_is_intermediate;
  args.proc_is_ours = ProcIsThisNamespaces();
  long hz = sysconf(_SC_CLK_TCK);
  args.ns_per_tick = hz > 0 && 1000000000 % hz == 0 ? static_cast<std::uint64_t>(1000000000 / hz) : 0;
  CgroupDir cgroup;
  args.cgroup_fd = -1;
  if (!command.cgroup.empty()) {
    if (auto e = cgroup.Open(command.cgroup)) return *e;
    args.cgroup_fd = cgroup.fd();
    args.cgroup_path = command.cgroup.c_str();
  }
  args.has_user = command.user.has_value();
  if (command.user) {
    args.uid = command.user->uid;
    args.gid = command.user->gid;
    args.groups = command.user->groups.data();
    args.group_count = command.user->groups.size();
  }
  Result<Identity> id = internal::RunCloneChain(args);
  if (!id.ok() && id.error().reason.empty()) {
    Error e = id.error();
    e.reason = ReasonFor(e);
    if (!e.reason.empty()) e.reason += " (" + std::string(std::strerror(e.err)) + ")";
    return e;
  }
  return id;
}

}  // namespace

Result<std::string> FindOnPath(const std::string& program, const char* path_var) {
  if (program.find('/') != std::string::npos) return program;
  std::string dirs;
  if (path_var != nullptr) {
    dirs = path_var;
  } else {
    std::size_t n = confstr(_CS_PATH, nullptr, 0);
    std::string def(n, '\0');
    confstr(_CS_PATH, def.data(), n);
    dirs = def.c_str();
  }
  int best = ENOENT;
  for (std::size_t pos = 0;;) {
    std::size_t end = dirs.find(':', pos);
    std::string dir = dirs.substr(pos, end == std::string::npos ? end : end - pos);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0) {
      if (S_ISREG(st.st_mode) && faccessat(AT_FDCWD, candidate.c_str(), X_OK, AT_EACCESS) == 0)
        return candidate;
      best = EACCES;  // there, but no program we may run
    } else if (errno == EACCES) {
      best = EACCES;  // a directory we may not search
    }
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return OpError("path", best, program);
}

Result<Identity> Detach(const Command& command) { return DetachImpl(command, false); }

Result<Identity> DetachAsIntermediate(const Command& command) { return DetachImpl(command, true); }

}  // namespace reap
