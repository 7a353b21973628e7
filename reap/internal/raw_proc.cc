// The allocation-free /proc/PID/stat parser (see raw_proc.h): its own
// target, //reap:raw_proc, kept out of TSan only (REAP_NO_TSAN), so that
// the command's process can call it and its fuzzer still runs it with ASan
// and UBSan.
#include "reap/internal/raw_proc.h"

#include "reap/internal/child_side.h"

namespace reap {
namespace {

// Parses an optionally signed decimal at text[*i], stopping at a space or the
// end. Allocation-free.
REAP_NO_TSAN bool ParseNumber(const char* text, std::size_t len, std::size_t* i, long long* out) {
  bool negative = false;
  if (*i < len && text[*i] == '-') {
    negative = true;
    ++*i;
  }
  std::size_t start = *i;
  unsigned long long v = 0;
  while (*i < len && text[*i] >= '0' && text[*i] <= '9') {
    unsigned digit = static_cast<unsigned>(text[*i] - '0');
    if (v > (~0ULL - digit) / 10) return false;  // overflow
    v = v * 10 + digit;
    ++*i;
  }
  if (*i == start) return false;
  if (*i < len && text[*i] != ' ' && text[*i] != '\n') return false;
  *out = negative ? -static_cast<long long>(v) : static_cast<long long>(v);
  return true;
}

REAP_NO_TSAN bool SkipSpace(const char* text, std::size_t len, std::size_t* i) {
  if (*i >= len || text[*i] != ' ') return false;
  ++*i;
  return true;
}

}  // namespace

REAP_NO_TSAN bool ParseRawProcStat(const char* text, std::size_t len, RawProcStat* out) {
  // "PID (COMM) STATE PPID PGRP SESSION TTY_NR TPGID FLAGS ... STARTTIME ..."
  std::size_t i = 0;
  long long v = 0;
  constexpr long long kIntMax = 0x7fffffff;  // pid_t and int fields
  if (!ParseNumber(text, len, &i, &v) || v <= 0 || v > kIntMax) return false;
  out->pid = static_cast<pid_t>(v);
  if (!SkipSpace(text, len, &i) || i >= len || text[i] != '(') return false;
  std::size_t open_paren = i;
  std::size_t close_paren = len;
  for (std::size_t j = len; j > open_paren + 1; --j) {
    if (text[j - 1] == ')') {
      close_paren = j - 1;
      break;
    }
  }
  if (close_paren == len) return false;
  out->comm_begin = open_paren + 1;
  out->comm_len = close_paren - open_paren - 1;
  i = close_paren + 1;
  if (!SkipSpace(text, len, &i) || i >= len) return false;
  out->state = text[i++];
  // Fields 4.. are numbers; keep the ones we want, up to 22 (starttime).
  for (int field = 4; field <= 22; ++field) {
    if (!SkipSpace(text, len, &i)) return false;
    if (!ParseNumber(text, len, &i, &v)) return false;
    // Narrowed fields must fit: a wrapped value would be a wrong process.
    if (field >= 4 && field <= 7 && (v < -kIntMax - 1 || v > kIntMax)) return false;
    if (field >= 4 && field <= 6 && v < 0) return false;
    switch (field) {
      case 4:
        out->ppid = static_cast<pid_t>(v);
        break;
      case 5:
        out->pgrp = static_cast<pid_t>(v);
        break;
      case 6:
        out->session = static_cast<pid_t>(v);
        break;
      case 7:
        out->tty_nr = static_cast<int>(v);
        break;
      case 9:
        if (v < 0 || v > 0xffffffffLL) return false;
        out->flags = static_cast<std::uint32_t>(v);
        break;
      case 22:
        if (v < 0) return false;
        out->start_time = static_cast<std::uint64_t>(v);
        break;
      default:
        break;
    }
  }
  return true;
}

}  // namespace reap
