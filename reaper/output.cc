#include "reaper/output.h"

#include <errno.h>

#include <cstdio>

namespace reaper {

int ExitCodeFor(const reap::Error& error) {
  using reap::Stage;
  if (error.stage == Stage::kValidate) return 2;
  if (error.stage == Stage::kResolve || error.stage == Stage::kExec) {
    if (error.err == ENOENT || error.err == ENOTDIR) return 127;
    if (error.err == EACCES || error.err == ENOEXEC || error.err == EPERM ||
        error.err == EISDIR) {
      return 126;
    }
  }
  return 1;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));  // UTF-8 passes through
        }
    }
  }
  out += "\"";
  return out;
}

std::string IdentityJson(const reap::Identity& id, const reap::Command& command) {
  std::string out = "{\"pid\":" + std::to_string(id.pid) +
                    ",\"start_time\":" + std::to_string(id.start_time) +
                    ",\"pgid\":" + std::to_string(id.pgid) +
                    ",\"sid\":" + std::to_string(id.sid) + ",\"argv\":[" +
                    JsonString(command.program);
  for (const auto& a : command.args) out += "," + JsonString(a);
  out += "]}";
  return out;
}

}  // namespace reaper
