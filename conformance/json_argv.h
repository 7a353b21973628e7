// The request line of server mode: an argv as a JSON array of strings,
// ["/bin/sleep","30"]. Shared by the suite (which writes it) and the C++
// servers (reap's shim, the zoo) that read it.
#ifndef REAP_CONFORMANCE_JSON_ARGV_H_
#define REAP_CONFORMANCE_JSON_ARGV_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reap_conformance {

// One line, no newline. Bytes >= 0x80 are written as they are; control
// characters, '"' and '\' are escaped.
std::string JsonArgv(const std::vector<std::string>& argv);

// Parses what JsonArgv writes (and any JSON array of strings with the
// escapes \" \\ \/ \b \f \n \r \t \uXXXX); nullopt when malformed.
std::optional<std::vector<std::string>> ParseJsonArgv(std::string_view line);

}  // namespace reap_conformance

#endif  // REAP_CONFORMANCE_JSON_ARGV_H_
