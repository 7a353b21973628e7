#include "reap/command.h"

#include <errno.h>

#include <string_view>

namespace reap {
namespace {

// Bad input: no system call ran; REASON says what is wrong.
Error Invalid(std::string reason) { return StageError(Stage::kValidate, EINVAL, {}, std::move(reason)); }

bool HasNul(std::string_view s) { return s.find('\0') != s.npos; }

}  // namespace

bool IsValidEnvName(std::string_view name) {
  return !name.empty() && name.find('=') == name.npos && !HasNul(name);
}

std::optional<Error> Command::Validate() const {
  if (program.empty()) return Invalid("empty program name");
  if (HasNul(program)) return Invalid("program name contains a NUL byte");
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (HasNul(args[i])) {
      return Invalid("argument " + std::to_string(i + 1) + " contains a NUL byte");
    }
  }
  for (const auto& name : unset_env) {
    if (!IsValidEnvName(name)) {
      return Invalid("bad environment variable name '" + name + "'");
    }
  }
  for (const auto& [name, value] : set_env) {
    if (!IsValidEnvName(name)) {
      return Invalid("bad environment variable name '" + name + "'");
    }
    if (HasNul(value)) {
      return Invalid("value of " + name + " contains a NUL byte");
    }
  }
  if (HasNul(cwd)) return Invalid("working directory contains a NUL byte");
  if (HasNul(cgroup)) return Invalid("cgroup directory contains a NUL byte");
  if (umask && (*umask & ~static_cast<mode_t>(0777)) != 0) {
    return Invalid("umask out of range 0..0777");
  }
  for (int fd : keep_fds) {
    if (fd < 3) {
      return Invalid("keep_fd " + std::to_string(fd) + " is a standard stream; use stdio Inherit instead");
    }
  }
  static const char* const kNames[] = {"stdin", "stdout", "stderr"};
  for (int i = 0; i < 3; ++i) {
    if (stdio[i].mode != Stdio::Mode::kFile) continue;
    if (stdio[i].path.empty() || HasNul(stdio[i].path)) {
      return Invalid(std::string(kNames[i]) + " file path is empty or has NUL");
    }
  }
  return std::nullopt;
}

}  // namespace reap
