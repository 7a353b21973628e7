// What reaper prints and which exit code an error maps to.
#ifndef REAP_REAPER_OUTPUT_H_
#define REAP_REAPER_OUTPUT_H_

#include <cstdio>
#include <string>

#include "reap/command.h"
#include "reap/error.h"
#include "reap/identity.h"

namespace reaper {

// 2 usage (validation); 127 not found; 126 found but not executable;
// 1 anything else.
int ExitCodeFor(const reap::Error& error);

// SECONDS as messages show it: "0.05", "2", "60" (%g).
std::string FormatSeconds(double seconds);

// Prints "reaper: LINE" to ERR (the one line of a failure) and returns
// CODE, the exit status to end with.
int PrintFailure(std::FILE* err, const std::string& line, int code);

// {"pid":N,"start_time":N,"pgid":N,"sid":N,"target":"PID:START","argv":[...]}
// plus "unit":"NAME.scope" with --scope ("target" is what reaper
// status/signal/stop/wait take).
std::string IdentityJson(const reap::Identity& id, const reap::Command& command,
                         const std::string& unit = "");

}  // namespace reaper

#endif  // REAP_REAPER_OUTPUT_H_
