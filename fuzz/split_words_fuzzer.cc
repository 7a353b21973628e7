// Legacy -args splitting: never crashes, and what it splits survives a
// quote-and-split round trip unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "text/words.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto words = reap_text::SplitWords(text);
  if (!words) return 0;
  auto again = reap_text::SplitWords(reap_text::JoinWords(*words));
  if (!again || *again != *words) std::abort();
  return 0;
}
