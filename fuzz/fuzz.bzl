"""A libFuzzer target plus a corpus-replay test built with the default toolchain."""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_test")
load("//bazel:copts.bzl", "REAP_COPTS")

def reap_fuzzer(name, deps):
    """Declares :<name> (libFuzzer, --config=fuzz, manual) and :<name>_replay_test.

    Args:
      name: target name; source is <name>.cc, corpus corpus/<name>/.
      deps: libraries under test.
    """
    cc_binary(
        name = name,
        srcs = [name + ".cc"],
        copts = REAP_COPTS,
        deps = deps,
        tags = ["manual"],
        testonly = True,
    )
    corpus = native.glob(["corpus/%s/*" % name])
    cc_test(
        name = name + "_replay_test",
        size = "small",
        srcs = [name + ".cc", "replay_main.cc"],
        copts = REAP_COPTS,
        args = ["$(rootpath %s)" % f for f in corpus],
        data = corpus,
        deps = deps,
    )
