// Conformance description files: never crash; an accepted description has a
// name and a template, and expanding it never crashes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "conformance/description.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto d = reap_conformance::ParseDescription(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!d.ok()) return 0;
  if (d->name.empty() || d->template_words.empty()) std::abort();
  reap_conformance::CommandSpec c{"probe", "/abs/probe", {"a b", "c'd"}, "/tmp/x.pid"};
  auto argv = reap_conformance::Expand(d.value(), c, {{"tool", "/bin/tool"}});
  (void)argv;
  return 0;
}
