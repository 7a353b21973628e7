// The version of reap: the library, reaper and reaper-conformance report it.
#ifndef REAP_REAP_VERSION_H_
#define REAP_REAP_VERSION_H_

namespace reap {

inline constexpr const char kVersion[] = "0.2.0";

}  // namespace reap

#endif  // REAP_REAP_VERSION_H_
