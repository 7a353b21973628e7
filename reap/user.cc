#include "reap/user.h"

#include <errno.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "reap/decimal.h"

namespace reap {
namespace {

// An id below 2^32 - 1 ((uid_t)-1 means "no change" to setresuid).
bool Numeric(const std::string& s, unsigned long* out) {
  unsigned long long v = 0;
  if (!ParseDecimal(s, 0xfffffffeULL, &v)) return false;
  *out = static_cast<unsigned long>(v);
  return true;
}

// The colon-separated fields of each line of an /etc file.
std::vector<std::vector<std::string>> Records(const char* path) {
  std::vector<std::vector<std::string>> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    std::stringstream ss(line);
    for (std::string f; std::getline(ss, f, ':');) fields.push_back(f);
    if (!line.empty() && line.back() == ':') fields.emplace_back();
    out.push_back(std::move(fields));
  }
  return out;
}

}  // namespace

Result<Command::User> ResolveUser(const std::string& spec) {
  std::size_t colon = spec.find(':');
  std::string user = spec.substr(0, colon);
  std::string group = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (user.empty() || (colon != std::string::npos && group.empty())) {
    return OpError("user", EINVAL, "'" + spec + "'", "not USER[:GROUP]");
  }
  Command::User out;
  unsigned long id = 0;
  std::optional<std::string> name;  // the user's name, when it is in /etc/passwd
  for (const auto& f : Records("/etc/passwd")) {
    if (f.size() >= 4 && (f[0] == user || (Numeric(user, &id) && f[2] == user))) {
      name = f[0];
      out.uid = static_cast<uid_t>(std::strtoul(f[2].c_str(), nullptr, 10));
      out.gid = static_cast<gid_t>(std::strtoul(f[3].c_str(), nullptr, 10));
      break;
    }
  }
  if (!name) {
    if (!Numeric(user, &id)) return OpError("user", ENOENT, "'" + user + "'", "no such user");
    out.uid = static_cast<uid_t>(id);
    out.gid = static_cast<gid_t>(id);
  }
  const auto groups = Records("/etc/group");
  if (!group.empty()) {
    bool found = false;
    for (const auto& f : groups) {
      if (f.size() >= 3 && f[0] == group) {
        out.gid = static_cast<gid_t>(std::strtoul(f[2].c_str(), nullptr, 10));
        found = true;
        break;
      }
    }
    if (!found) {
      if (!Numeric(group, &id)) return OpError("user", ENOENT, "'" + group + "'", "no such group");
      out.gid = static_cast<gid_t>(id);
    }
    out.groups = {out.gid};
    return out;
  }
  out.groups = {out.gid};
  if (name) {  // supplementary groups: those that list the user as a member
    for (const auto& f : groups) {
      if (f.size() < 4) continue;
      std::stringstream members(f[3]);
      for (std::string m; std::getline(members, m, ',');) {
        gid_t gid = static_cast<gid_t>(std::strtoul(f[2].c_str(), nullptr, 10));
        if (m == *name && std::find(out.groups.begin(), out.groups.end(), gid) == out.groups.end()) {
          out.groups.push_back(gid);
        }
      }
    }
  }
  return out;
}

}  // namespace reap
