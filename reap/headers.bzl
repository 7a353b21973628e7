"""The public headers of //reap: the library's hdrs and what the Debian
package installs in /usr/include/reap (one list for both)."""

REAP_PUBLIC_HEADERS = [
    "command.h",
    "detach.h",
    "error.h",
    "handle.h",
    "identity.h",
    "notify.h",
    "pidfile.h",
    "proc.h",
    "scope_spec.h",
    "subreaper.h",
    "user.h",
    "version.h",
]
