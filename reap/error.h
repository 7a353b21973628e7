// Errors and results of the reap API: no exceptions cross it.
#ifndef REAP_REAP_ERROR_H_
#define REAP_REAP_ERROR_H_

// std::optional and std::variant below: say so before they fail to parse.
#if __cplusplus < 201703L
#error "reap needs C++17 or later: compile with -std=c++17 (or newer)"
#endif

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace reap {

// Where a detach failed. The caller's steps come first, in order (validate,
// resolve, setup, intermediate, clone or cgroup); the command's process then
// runs setsid, signals, keep-fd, close-fds, stdin, stdout, stderr, user,
// chdir and exec, in that order, which the numbering below does not follow
// (its values are kept stable). kLost is no step: the process died between
// two of them. Only Detach and DetachAsIntermediate report a Stage; every
// other API names its operation in Error::op and leaves the stage kNone.
enum class Stage : std::uint8_t {
  kNone = 0,      // not a detach error (see Error::op)
  kValidate,      // Command::Validate: the Command is malformed; no process was created
  kResolve,       // PATH lookup of a program name without '/'
  kSetup,         // preparing the clone chain in the caller (stack mapping, signal mask)
  kIntermediate,  // creating the intermediate, or it died before reporting
  kClone,         // the intermediate could not create the command's process
  kCgroup,        // Command::cgroup: opening it, or creating the process in it (clone3)
  kSetsid,        // the command's process could not start a new session
  kSignals,       // resetting signal dispositions
  kStdin,         // opening or installing the stdin file
  kStdout,        // opening or installing the stdout file
  kStderr,        // opening or installing the stderr file
  kChdir,         // changing to the requested working directory
  kKeepFd,        // a requested keep_fd is not open
  kUser,          // setting the command's groups, gid or uid (Command::user)
  kCloseFds,      // closing inherited descriptors
  kExec,          // execve itself
  kLost,          // the command's process died before it reached exec
};

// Short lowercase name, used in messages: "exec", "chdir", ...
const char* StageName(Stage stage);

struct Error {
  Stage stage = Stage::kNone;  // Detach's errors; kNone for every other API
  // errno value: the failed system call's, or the one that best names bad
  // input (EINVAL, ENOENT, ...) when no system call failed; then `reason`
  // says what was wrong.
  int err = 0;
  std::string what;    // the object involved: a path, an fd, a name; may be empty
  std::string op;      // other APIs: what failed ("pidfile", "proc", "notify", ...)
  std::string reason;  // why, in words, when strerror(err) would not say it

  // "WHAT: REASON": REASON is `reason`, else strerror(err) when err != 0.
  std::string Message() const;
  // "STAGE: WHAT: REASON", with the operation in place of the stage for
  // errors of other APIs: "exec: /nonexistent: No such file or directory",
  // "pidfile: /run/x.pid: names running process 12 (use --force ...)".
  std::string ToString() const;
};

// The two ways to make an Error; Error{...} by position is not used, so that
// every field means what its comment says.
//
// A detach error at STAGE, on WHAT (errno ERR), REASON in words when strerror
// would not say it. A system call that has no object of its own names
// itself in REASON ("sigprocmask: Invalid argument"); kLost and
// kIntermediate errors have ERR ESRCH and say in REASON when the process
// died.
Error StageError(Stage stage, int err, std::string what, std::string reason = {});
// An error of an API other than Detach: OP failed on WHAT (errno ERR), and
// REASON, when given, says why in words.
Error OpError(std::string op, int err, std::string what, std::string reason = {});

// A value or an Error. Check ok() before value(); value() on an error aborts.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}      // NOLINT: implicit on purpose
  Result(Error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    if (!value_) std::abort();
    return *value_;
  }
  T& value() & {
    if (!value_) std::abort();
    return *value_;
  }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }

  // Meaningful only when !ok().
  const Error& error() const { return error_; }

 private:
  std::optional<T> value_;
  Error error_;
};

// For operations that produce no value: ok or an Error.
using Status = Result<std::monostate>;
inline Status OkStatus() { return Status(std::monostate{}); }

}  // namespace reap

#endif  // REAP_REAP_ERROR_H_
