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
    case Stage::kFork:
      return "fork";
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

std::string Error::ToString() const {
  std::string s = StageName(stage);
  if (!what.empty()) {
    s += ": ";
    s += what;
  }
  if (err != 0) {
    s += ": ";
    s += std::strerror(err);
  }
  return s;
}

}  // namespace reap
