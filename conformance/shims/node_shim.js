// A server that detaches with Node's child_process, as its documentation
// says for a long-running child that must outlive the parent:
// spawn(cmd, args, {detached: true, stdio: 'ignore'}) and unref(). One JSON
// argv per line on stdin, one line back: the PID, or "error: ...".
// An 'error' listener keeps a failed spawn from crashing the server.
// With --latency: the latency mode described in latency.h (bench/report.sh),
// with the same spawn call.
'use strict';
const { spawn } = require('child_process');
const readline = require('readline');

// The caller's memory in latency mode (module scope: alive until exit).
const ballast = [];

// MIB REGIME SECONDS PROGRAM: prints one latency (ns) per call.
async function latency(args) {
  if (args.length !== 4 || !['loop', 'isolated'].includes(args[1])) {
    process.stderr.write('usage: node_shim.js --latency MIB loop|isolated SECONDS PROGRAM\n');
    return 1;
  }
  const mib = Number(args[0]);
  const isolated = args[1] === 'isolated';
  const seconds = Number(args[2]);
  const program = args[3];
  for (let left = mib; left > 0; left -= 256) {
    ballast.push(Buffer.alloc(Math.min(left, 256) << 20, 1)); // resident now
  }
  const warmup = 3, least = 10, most = 300;
  const samples = [];
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  for (let i = 0; i < warmup + most; i++) {
    if (i >= warmup + least && process.hrtime.bigint() > deadline) break;
    const t0 = process.hrtime.bigint();
    const child = spawn(program, [], { detached: true, stdio: 'ignore' });
    const elapsed = process.hrtime.bigint() - t0;
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const failed = await Promise.race([
      new Promise((resolve) => child.on('error', () => resolve(true))),
      new Promise((resolve) => child.on('spawn', () => resolve(false))),
    ]);
    if (failed) {
      process.stderr.write('spawn failed\n');
      return 1;
    }
    if (i >= warmup) samples.push(elapsed);
    if (isolated) {
      await exited;
      await pause(2);
    } else {
      await new Promise((resolve) => setImmediate(resolve)); // lets libuv reap
    }
  }
  process.stdout.write(samples.map((s) => s + '\n').join(''));
  return 0;
}

if (process.argv[2] === '--latency') {
  latency(process.argv.slice(3)).then((status) => { process.exitCode = status; });
} else {
  server();
}

function server() {
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    queue = queue.then(async () => {
      let reply;
      try {
        reply = await detach(JSON.parse(line));
      } catch (e) {
        reply = 'error: ' + e.message;
      }
      process.stdout.write(reply + '\n');
    });
  });
}

function detach(argv) {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(argv[0], argv.slice(1), { detached: true, stdio: 'ignore' });
    } catch (e) {
      resolve('error: ' + e.message);
      return;
    }
    child.on('error', (e) => resolve('error: ' + e.message));
    child.on('spawn', () => {
      child.unref();
      resolve(String(child.pid));
    });
  });
}
