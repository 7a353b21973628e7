// Errors and results of the reap API: no exceptions cross it.
#ifndef REAP_REAP_ERROR_H_
#define REAP_REAP_ERROR_H_

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace reap {

// Where a detach failed. The order follows the data path of one detach.
enum class Stage : std::uint8_t {
  kNone = 0,
  kValidate,      // the Command itself is malformed (no process was created)
  kResolve,       // PATH lookup of a program name without '/'
  kSetup,         // memory or signal-mask preparation in the caller
  kIntermediate,  // creating the intermediate, or it died before reporting
  kFork,          // the intermediate could not create the command's process
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
  Stage stage = Stage::kNone;
  int err = 0;       // errno value; 0 only when no system call failed
  std::string what;  // the object involved: a path, an fd, an option

  // "STAGE: WHAT: strerror(err)" (the strerror part only when err != 0).
  std::string ToString() const;
};

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
