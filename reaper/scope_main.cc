// reaper-scope: the part of `reaper --scope` that talks to systemd (sd-bus,
// dynamically linked), run by the static reaper after the command started:
//
//   reaper-scope PID UNIT DESCRIPTION SLICE TIMEOUT_MS [NAME=VALUE...]
//
// (SLICE may be empty.) Exits 0 once systemd confirmed the scope, else 1
// with one line on stderr, "scope: UNIT: REASON". It kills nothing: reaper
// does, since the command is its child.
#include <cstdio>
#include <string>

#include "reap/decimal.h"
#include "reap/scope.h"

int main(int argc, char** argv) {
  unsigned long long pid = 0, timeout_ms = 0;
  if (argc < 6 || !reap::ParseDecimal(argv[1], 0x7fffffff, &pid) || pid == 0 ||
      !reap::ParseDecimal(argv[5], 24ull * 3600 * 1000, &timeout_ms)) {
    std::fprintf(stderr, "usage: reaper-scope PID UNIT DESCRIPTION SLICE TIMEOUT_MS [NAME=VALUE...]\n");
    return 2;
  }
  reap::Scope scope;
  scope.name = argv[2];
  scope.slice = argv[4];
  scope.timeout = std::chrono::milliseconds(timeout_ms);
  for (int i = 6; i < argc; ++i) {
    std::string kv = argv[i];
    std::size_t eq = kv.find('=');
    scope.properties.emplace_back(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
  }
  reap::Status st = reap::MoveIntoNewScope(static_cast<pid_t>(pid), scope.name, scope, argv[3]);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.error().ToString().c_str());
    return 1;
  }
  return 0;
}
