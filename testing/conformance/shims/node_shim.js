// A server that detaches with Node's child_process, as its documentation
// says for a long-running child that must outlive the parent:
// spawn(cmd, args, {detached: true, stdio: 'ignore'}) and unref(). One JSON
// argv per line on stdin, one line back: the PID, or "error: ...".
// An 'error' listener keeps a failed spawn from crashing the server.
'use strict';
const { spawn } = require('child_process');
const readline = require('readline');

const rl = readline.createInterface({ input: process.stdin, terminal: false });
let queue = Promise.resolve();

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
