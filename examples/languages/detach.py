import json
import subprocess

# check=True raises CalledProcessError; its .stderr holds reaper's reason.
run = subprocess.run(["reaper", "--json", "--", "sleep", "30"],
                     capture_output=True, text=True, check=True)
worker = json.loads(run.stdout)
print(worker["pid"], worker["target"])  # target: for reaper status/stop/wait
