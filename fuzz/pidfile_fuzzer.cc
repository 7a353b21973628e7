// Pidfile parsing: accepts exactly "PID" or "PID\n" with PID > 0, and what it
// accepts round-trips through the writer's format.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "reap/pidfile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto pid = reap::ParsePidfile(text);
  if (!pid.ok()) return 0;
  if (pid.value() <= 0) std::abort();
  std::string canonical = std::to_string(pid.value());
  if (text != canonical && text != canonical + "\n") {
    // Leading zeros are the only other accepted spelling.
    std::string_view digits = text.substr(0, text.find('\n'));
    if (digits.find_first_not_of('0') == 0) std::abort();
  }
  auto again = reap::ParsePidfile(canonical + "\n");
  if (!again.ok() || again.value() != pid.value()) std::abort();
  return 0;
}
