"""reap_conformance_test: check a detacher with the reap conformance suite.

    load("@reap//conformance:conformance.bzl", "reap_conformance_test")

    reap_conformance_test(
        name = "my_detacher_conformance_test",
        detacher = "my_detacher.detacher",     # description file
        defines = {"mytool": ":mytool"},       # {mytool} -> path of :mytool
    )
"""

_SUITE = Label("//conformance:reaper-conformance")
_RUNNER = Label("//conformance:run_conformance.sh")

def reap_conformance_test(name, detacher, defines = {}, rounds = 10, seed = 1, data = [], **kwargs):
    """A test that passes when every property the detacher claims holds.

    Args:
      name: test name.
      detacher: label of a description file (see docs/conformance.md).
      defines: placeholder name -> label; {name} in the template becomes the
        label's path.
      rounds: random-fault rounds.
      seed: seed of the random faults.
      data: more runtime files.
      **kwargs: passed to the sh_test (tags, size, timeout...).
    """
    args = ["$(rootpath %s)" % str(_SUITE), "--rounds", str(rounds), "--seed", str(seed)]
    for key, label in defines.items():
        args += ["--define", "%s=$(rootpath %s)" % (key, label)]
    args.append("$(rootpath %s)" % detacher)
    kwargs.setdefault("size", "medium")
    native.sh_test(
        name = name,
        srcs = [str(_RUNNER)],
        args = args,
        data = [detacher, str(_SUITE)] + list(defines.values()) + data,
        **kwargs
    )
