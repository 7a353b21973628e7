#include "conformance/probe_report.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace reap_conformance {

std::optional<ProbeReport> ParseProbeReport(const std::string& line) {
  ProbeReport r;
  std::istringstream in(line);
  std::string field;
  int seen = 0;
  while (in >> field) {
    std::size_t eq = field.find('=');
    if (eq == std::string::npos) return std::nullopt;
    std::string k = field.substr(0, eq), v = field.substr(eq + 1);
    auto num = [&] { return std::strtoll(v.c_str(), nullptr, 10); };
    auto hex = [&] { return std::strtoull(v.c_str(), nullptr, 16); };
    if (k == "pid")
      r.pid = static_cast<pid_t>(num()), ++seen;
    else if (k == "ppid")
      r.ppid = static_cast<pid_t>(num()), ++seen;
    else if (k == "pgid")
      r.pgid = static_cast<pid_t>(num()), ++seen;
    else if (k == "sid")
      r.sid = static_cast<pid_t>(num()), ++seen;
    else if (k == "tty")
      r.tty = static_cast<int>(num()), ++seen;
    else if (k == "start")
      r.start = static_cast<std::uint64_t>(num()), ++seen;
    else if (k == "sigign")
      r.sigign = hex(), ++seen;
    else if (k == "sigblk")
      r.sigblk = hex(), ++seen;
    else if (k == "argv") {
      // COUNT:HEX,HEX,... (each argument's bytes in hex, each followed by ',')
      std::size_t colon = v.find(':');
      if (colon == std::string::npos) return std::nullopt;
      std::istringstream args(v.substr(colon + 1));
      std::string arg;
      while (std::getline(args, arg, ',')) {
        if (arg.size() % 2 != 0) return std::nullopt;
        std::string bytes;
        for (std::size_t i = 0; i < arg.size(); i += 2) {
          bytes += static_cast<char>(std::strtoul(arg.substr(i, 2).c_str(), nullptr, 16));
        }
        r.argv.push_back(bytes);
      }
      if (std::to_string(r.argv.size()) != v.substr(0, colon)) return std::nullopt;
    } else if (k == "fds") {
      ++seen;
      std::istringstream fds(v);
      std::string fd;
      while (std::getline(fds, fd, ',')) {
        if (!fd.empty()) r.fds.push_back(std::atoi(fd.c_str()));
      }
    }
  }
  if (seen != 9 || r.pid <= 0) return std::nullopt;
  return r;
}

std::optional<ProbeReport> ReadProbeReport(const std::string& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t nl = text.find('\n');
  if (nl == std::string::npos) return std::nullopt;
  return ParseProbeReport(text.substr(0, nl));
}

}  // namespace reap_conformance
