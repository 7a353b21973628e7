#include "reaper/output.h"

#include <errno.h>

#include <cstdio>

#include "text/json.h"

namespace reaper {

int ExitCodeFor(const reap::Error& error) {
  using reap::Stage;
  if (error.stage == Stage::kValidate) return 2;
  if (error.stage == Stage::kCgroup || error.op == "scope") return 4;
  if (error.stage == Stage::kResolve || error.stage == Stage::kExec) {
    if (error.err == ENOENT || error.err == ENOTDIR) return 127;
    if (error.err == EACCES || error.err == ENOEXEC || error.err == EPERM || error.err == EISDIR) {
      return 126;
    }
  }
  return 1;
}

std::string FormatSeconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", seconds);
  return text;
}

int PrintFailure(std::FILE* err, const std::string& line, int code) {
  std::fprintf(err, "reaper: %s\n", line.c_str());
  return code;
}

std::string IdentityJson(const reap::Identity& id, const reap::Command& command, const std::string& unit) {
  std::string out = "{\"pid\":" + std::to_string(id.pid) +
                    ",\"start_time\":" + std::to_string(id.start_time) +
                    ",\"pgid\":" + std::to_string(id.pgid) + ",\"sid\":" + std::to_string(id.sid) +
                    ",\"target\":\"" + std::to_string(id.pid) + ":" + std::to_string(id.start_time) +
                    "\",\"argv\":[" + reap_text::JsonString(command.program);
  for (const auto& a : command.args) out += "," + reap_text::JsonString(a);
  out += "]";
  if (!unit.empty()) out += ",\"unit\":" + reap_text::JsonString(unit);
  out += "}";
  return out;
}

}  // namespace reaper
