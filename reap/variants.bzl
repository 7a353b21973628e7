"""Test-only builds of the reap library (fault points, deliberate defects)."""

load("@rules_cc//cc:defs.bzl", "cc_library")
load("//bazel:copts.bzl", "REAP_COPTS")

def reap_library_variant(name, srcs, hdrs, defines):
    # local_defines keep the macros out of dependents' compiles, except the
    # fault switch, which testing/ code needs to see too.
    cc_library(
        name = name,
        srcs = srcs,
        hdrs = hdrs,
        copts = REAP_COPTS + ["-D" + d for d in defines],
        defines = [d for d in defines if d == "REAP_FAULT_INJECTION"],
        testonly = True,
        visibility = ["//visibility:public"],
    )
