// Whole decimal numbers from the command line: digits only (no sign, no
// blanks, no base prefix), within a bound.
#ifndef REAP_TEXT_NUMBER_H_
#define REAP_TEXT_NUMBER_H_

#include <string_view>

namespace reap_text {

// True and *OUT set when S is a decimal number <= MAX.
bool ParseDecimal(std::string_view s, unsigned long long max, unsigned long long* out);

}  // namespace reap_text

#endif  // REAP_TEXT_NUMBER_H_
