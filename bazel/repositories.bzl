"""External repositories reap needs, all satisfied offline from Debian packages.

Each declaration is skipped when the workspace already declares a repository
of that name, so a consumer's own choice wins.
"""

_RULES_CC_DIR = "/usr/share/bazel/rules/cc"

def _patched_rules_cc_impl(rctx):
    # Debian's rules_cc 0.0.4 loads use_cpp_toolchain from bazel_tools, which
    # Bazel 4.2.3 lacks. Copy the rules and inline that one-line helper.
    src = rctx.attr.path
    res = rctx.execute(["cp", "-R", src + "/.", "."])
    if res.return_code != 0:
        fail("cannot copy %s (is bazel-rules-cc installed?): %s" % (src, res.stderr))
    for f in [
        "cc/private/rules_impl/compiler_flag.bzl",
        "cc/private/rules_impl/cc_flags_supplier.bzl",
    ]:
        text = rctx.read(f)
        text = text.replace(
            'load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain", "use_cpp_toolchain")',
            'load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")',
        )
        text = text.replace("use_cpp_toolchain()", '["@bazel_tools//tools/cpp:toolchain_type"]')
        rctx.file(f, text)

_patched_rules_cc = repository_rule(
    implementation = _patched_rules_cc_impl,
    attrs = {"path": attr.string(default = _RULES_CC_DIR)},
    local = True,
)

_COVERAGE_BUILD = """
package(default_visibility = ["//visibility:public"])

# `bazel coverage` would download these; reap does not support it offline.
sh_binary(name = "coverage_report_generator", srcs = ["unsupported.sh"])
sh_binary(name = "lcov_merger", srcs = ["unsupported.sh"])
"""

def _remote_coverage_tools_impl(rctx):
    rctx.file("WORKSPACE", 'workspace(name = "remote_coverage_tools")\n')
    rctx.file("BUILD", _COVERAGE_BUILD)
    rctx.file(
        "unsupported.sh",
        "#!/bin/sh\necho 'bazel coverage is not supported offline; use gcov/lcov outside Bazel' >&2\nexit 1\n",
        executable = True,
    )

_remote_coverage_tools = repository_rule(implementation = _remote_coverage_tools_impl)

_SYSTEM_LIBS_BUILD = """
package(default_visibility = ["//visibility:public"])

# Libraries from Debian packages; headers live in /usr/include, which the
# auto-configured toolchain already searches.
cc_library(name = "gtest", linkopts = ["-lgtest", "-lpthread"])
cc_library(name = "gtest_main", linkopts = ["-lgtest_main", "-lgtest", "-lpthread"])
cc_library(name = "gmock", linkopts = ["-lgmock", "-lgtest", "-lpthread"])
cc_library(name = "rapidcheck", linkopts = ["-lrapidcheck"])
cc_library(name = "benchmark", linkopts = ["-lbenchmark", "-lpthread"])
cc_library(name = "benchmark_main", linkopts = ["-lbenchmark_main", "-lbenchmark", "-lpthread"])
# sd-bus (libsystemd-dev): shared only, Debian ships no libsystemd.a.
cc_library(name = "systemd", linkopts = ["-lsystemd"])
"""

def _maybe(rule, name, **kwargs):
    if name not in native.existing_rules():
        rule(name = name, **kwargs)

def reap_deps():
    """Declares every external repository reap's build needs."""
    _maybe(_patched_rules_cc, "rules_cc")
    _maybe(native.local_repository, "rules_java", path = "/usr/share/bazel/rules/java")
    _maybe(_remote_coverage_tools, "remote_coverage_tools")
    _maybe(
        native.new_local_repository,
        "reap_system_libs",
        path = "/usr",
        build_file_content = _SYSTEM_LIBS_BUILD,
    )
