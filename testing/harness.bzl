"""The harness built against one variant of the reap library.

A binary must link exactly one variant of //reap, so every library of the
harness that depends on it is declared once per variant.
"""

load("@rules_cc//cc:defs.bzl", "cc_library")
load("//bazel:copts.bzl", "REAP_COPTS")

def reap_harness_libraries(suffix, reap):
    """Declares world<suffix>, faults<suffix> and harness<suffix>.

    Args:
      suffix: appended to each library name ("" for the production library).
      reap: the reap library variant they use.
    """
    cc_library(
        name = "world" + suffix,
        testonly = True,
        srcs = ["//testing:world.cc"],
        hdrs = ["//testing:world.h"],
        copts = REAP_COPTS,
        visibility = ["//:__subpackages__"],
        deps = [reap],
    )
    if suffix == "":
        return
    cc_library(
        name = "faults" + suffix,
        testonly = True,
        srcs = ["//testing:faults.cc"],
        hdrs = ["//testing:faults.h"],
        copts = REAP_COPTS,
        visibility = ["//:__subpackages__"],
        deps = [reap],
        alwayslink = True,  # installs the fault hook at load time
    )
    cc_library(
        name = "harness" + suffix,
        testonly = True,
        srcs = ["//testing:scenario.cc"],
        hdrs = ["//testing:scenario.h"],
        copts = REAP_COPTS,
        visibility = ["//:__subpackages__"],
        deps = [
            ":faults" + suffix,
            ":world" + suffix,
            "//testing:invariants",
            reap,
        ],
    )

DEFECTS = [
    "skip_setsid",
    "no_reap_intermediate",
    "report_intermediate_pid",
    "leak_fd",
    "block_signal",
]
