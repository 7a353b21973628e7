// Names to ids for Command::user: "USER", "USER:GROUP", or numeric ids.
#ifndef REAP_REAP_USER_H_
#define REAP_REAP_USER_H_

#include <string>

#include "reap/command.h"
#include "reap/error.h"

namespace reap {

// USER[:GROUP]: the user's uid, its primary gid (or GROUP's), and its
// supplementary groups (none when GROUP is given: only GROUP). Numeric ids
// need not exist (then no supplementary groups). Reads /etc/passwd and
// /etc/group itself, without NSS: NSS modules are shared libraries that a
// static program (reaper) cannot load safely; users known only to LDAP or
// systemd need numeric ids. Errors (op "user", stage kNone): ENOENT for an
// unknown name, EINVAL for a malformed spec; nothing is started. (Stage
// kUser is Detach's: setting the ids in the command's process failed.)
Result<Command::User> ResolveUser(const std::string& spec);

}  // namespace reap

#endif  // REAP_REAP_USER_H_
