// Splitting a path into its directory and last component, as the library's
// messages and the pidfile writer need it. Not installed.
#ifndef REAP_REAP_INTERNAL_PATHS_H_
#define REAP_REAP_INTERNAL_PATHS_H_

#include <string>

namespace reap {
namespace internal {

// "a/b/c" -> "a/b" and "c"; "c" -> "." and "c"; "/c" -> "/" and "c".
inline void SplitPath(const std::string& path, std::string* dir, std::string* base) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    *dir = ".";
    *base = path;
  } else {
    *dir = slash == 0 ? "/" : path.substr(0, slash);
    *base = path.substr(slash + 1);
  }
}

}  // namespace internal
}  // namespace reap

#endif  // REAP_REAP_INTERNAL_PATHS_H_
