#!/usr/bin/env python3
"""A server that detaches with Python's subprocess, as its documentation
suggests for a command that must outlive the server: a new session, stdio on
/dev/null, close_fds (the default). One JSON argv per line on stdin, one line
back: the PID, or "error: ...". Run by the conformance suite in server mode.
"""
import json
import subprocess
import sys


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
    main()
