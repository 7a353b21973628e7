#include "reap/decimal.h"

namespace reap {

bool ParseDecimal(std::string_view s, unsigned long long max, unsigned long long* out) {
  if (s.empty()) return false;
  unsigned long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    unsigned digit = static_cast<unsigned>(c - '0');
    if (v > (max - digit) / 10) return false;  // v * 10 + digit > max
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

}  // namespace reap
