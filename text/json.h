// JSON string literals that are always valid JSON and UTF-8 (reaper --json,
// the conformance suite's reports).
#ifndef REAP_TEXT_JSON_H_
#define REAP_TEXT_JSON_H_

#include <string>

namespace reap_text {

// S as a JSON string literal, quotes included. A byte that does not start a
// valid UTF-8 sequence becomes U+FFFD.
std::string JsonString(const std::string& s);

}  // namespace reap_text

#endif  // REAP_TEXT_JSON_H_
