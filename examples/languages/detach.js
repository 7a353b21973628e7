const { execFileSync } = require("child_process");

// Throws on failure; the error's .stderr holds reaper's reason.
const worker = JSON.parse(execFileSync("reaper", ["--json", "--", "sleep", "30"]));
console.log(worker.pid, worker.target); // target: for reaper status/stop/wait
