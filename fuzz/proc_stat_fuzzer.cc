// /proc/PID/stat parsing: never reads out of bounds (ASan), the name lies
// inside the text, and both parsers agree.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "reap/internal/raw_proc.h"
#include "reap/proc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* text = reinterpret_cast<const char*>(data);
  reap::RawProcStat raw;
  bool ok = reap::ParseRawProcStat(text, size, &raw);
  auto full = reap::ParseProcStat(std::string_view(text, size));
  if (ok != full.ok()) std::abort();
  if (!ok) return 0;
  if (raw.comm_begin + raw.comm_len > size || raw.pid <= 0) std::abort();
  if (full->start_time != raw.start_time || full->comm.size() != raw.comm_len) std::abort();
  return 0;
}
