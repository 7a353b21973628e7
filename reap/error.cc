#include "reap/error.h"

#include <cstring>

namespace reap {

const char* StageName(Stage stage) {
  switch (stage) {
    case Stage::kNone:
      return "none";
    case Stage::kValidate:
      return "validate";
    case Stage::kResolve:
      return "resolve";
    case Stage::kSetup:
      return "setup";
    case Stage::kIntermediate:
      return "intermediate";
    case Stage::kClone:
      return "clone";
    case Stage::kCgroup:
      return "cgroup";
    case Stage::kSetsid:
      return "setsid";
    case Stage::kSignals:
      return "signals";
    case Stage::kStdin:
      return "stdin";
    case Stage::kStdout:
      return "stdout";
    case Stage::kStderr:
      return "stderr";
    case Stage::kChdir:
      return "chdir";
    case Stage::kKeepFd:
      return "keep-fd";
    case Stage::kCloseFds:
      return "close-fds";
    case Stage::kUser:
      return "user";
    case Stage::kExec:
      return "exec";
    case Stage::kLost:
      return "lost";
  }
  return "unknown";
}

std::string Error::Message() const {
  std::string why = !reason.empty() ? reason : err != 0 ? std::strerror(err) : "";
  if (what.empty()) return why;
  return why.empty() ? what : what + ": " + why;
}

std::string Error::ToString() const {
  std::string head = stage != Stage::kNone ? StageName(stage) : !op.empty() ? op : "error";
  std::string message = Message();
  return message.empty() ? head : head + ": " + message;
}

Error StageError(Stage stage, int err, std::string what, std::string reason) {
  Error e;
  e.stage = stage;
  e.err = err;
  e.what = std::move(what);
  e.reason = std::move(reason);
  return e;
}

Error OpError(std::string op, int err, std::string what, std::string reason) {
  Error e;
  e.err = err;
  e.what = std::move(what);
  e.op = std::move(op);
  e.reason = std::move(reason);
  return e;
}

}  // namespace reap
