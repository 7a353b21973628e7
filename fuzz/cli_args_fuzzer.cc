// The whole CLI parser (modern and legacy forms): NUL-separated argv.
// Never crashes; a parsed detach always names a program.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "reaper/args.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args;
  std::string cur;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(static_cast<char>(data[i]));
    }
  }
  args.push_back(cur);
  auto o = reaper::ParseArgs(args);
  if (o.ok() && o->action == reaper::CliOptions::Action::kDetach) {
    if (o->command.program.empty()) std::abort();
    for (int fd : o->command.keep_fds) {
      if (fd < 3) std::abort();
    }
    if (o->command.umask && *o->command.umask > 0777) std::abort();
  }
  return 0;
}
