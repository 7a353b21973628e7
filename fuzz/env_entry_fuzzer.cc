// --env NAME=VALUE and --unset-env NAME: whatever the parser accepts, the
// library's validation agrees is a well-formed environment entry.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "reaper/args.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string entry(reinterpret_cast<const char*>(data), size);
  auto o = reaper::ParseArgs({"--env", entry, "--unset-env", entry, "true"});
  auto set = reaper::ParseArgs({"--env", entry, "true"});
  if (set.ok()) {
    const auto& [name, value] = set->command.set_env.at(0);
    if (name.empty() || name.find('=') != std::string::npos) std::abort();
    if (name + "=" + value != entry) std::abort();
    bool has_nul = entry.find('\0') != std::string::npos;
    if (set->command.Validate().has_value() != has_nul) std::abort();
  }
  (void)o;
  return 0;
}
