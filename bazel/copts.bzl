"""Compiler options shared by every target of this repository.

Only warnings: -std comes from .bazelrc (--cxxopt), and -Werror is added by
this repository's .bazelrc (--per_file_copt) for its own sources only, so a
project that depends on @reap//reap with a newer compiler is not stopped by
a warning that compiler adds (as abseil does).
"""

REAP_COPTS = [
    "-Wall",
    "-Wextra",
    "-Wno-missing-field-initializers",
]
