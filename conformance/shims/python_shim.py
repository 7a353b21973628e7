#!/usr/bin/env python3
"""A server that detaches with Python's subprocess, as its documentation
suggests for a command that must outlive the server: a new session, stdio on
/dev/null, close_fds (the default). One JSON argv per line on stdin, one line
back: the PID, or "error: ...". Run by the conformance suite in server mode.
With --latency: the latency mode described in latency.h (bench/report.sh),
with the same Popen call.
"""
import json
import subprocess
import sys
import time


def latency(args):
    """MIB REGIME SECONDS PROGRAM: prints one latency (ns) per call."""
    if len(args) != 4 or args[1] not in ("loop", "isolated"):
        sys.stderr.write("usage: python_shim.py --latency MIB loop|isolated SECONDS PROGRAM\n")
        return 1
    mib, isolated, seconds, program = int(args[0]), args[1] == "isolated", float(args[2]), args[3]
    ballast = b"\x01" * (mib << 20)  # resident now
    warmup, least, most = 3, 10, 300
    samples, running = [], []
    deadline = time.monotonic() + seconds
    for i in range(warmup + most):
        if i >= warmup + least and time.monotonic() > deadline:
            break
        t0 = time.monotonic_ns()
        proc = subprocess.Popen(
            [program],
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        elapsed = time.monotonic_ns() - t0
        if i >= warmup:
            samples.append(elapsed)
        if isolated:
            proc.wait()
            time.sleep(0.002)
        else:
            running = [p for p in running + [proc] if p.poll() is None]
    for p in running:
        p.wait()
    sys.stdout.write("".join("%d\n" % s for s in samples))
    del ballast
    return 0


def main():
    for line in sys.stdin:
        try:
            argv = json.loads(line)
            proc = subprocess.Popen(
                argv,
                start_new_session=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            # Like a server that does not wait for its workers.
            print(proc.pid, flush=True)
        except Exception as e:  # pylint: disable=broad-except
            print("error: %s" % e, flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--latency":
        sys.exit(latency(sys.argv[2:]))
    main()
