// Detach: start a command that outlives its caller, correctly.
//
//   reap::Command cmd;
//   cmd.program = "sleep";
//   cmd.args = {"30"};
//   auto id = reap::Detach(cmd);
//   if (!id.ok()) { log(id.error().ToString()); return; }
//   use(id->pid, id->start_time);
#ifndef REAP_REAP_DETACH_H_
#define REAP_REAP_DETACH_H_

#include "reap/command.h"
#include "reap/error.h"
#include "reap/identity.h"

namespace reap {

// Starts `command` detached and returns once its exec is confirmed:
//  - it runs in a new session (it leads the session and its process group,
//    so pid == pgid == sid), with no controlling terminal;
//  - it is not the caller's child: an intermediate process creates it and is
//    reaped before Detach returns, so its parent is the nearest subreaper or
//    the PID namespace's init;
//  - signal dispositions are default, the signal mask is empty, fds >= 3 are
//    closed except keep_fds, stdio per command.stdio;
//  - on any failure (validation, PATH lookup, setsid, stdio, chdir, keep_fd,
//    exec) the Error names the stage and errno, and no process of the
//    attempt is left (none running, no zombie).
// "Confirmed" means the command's execve is past its point of no return (the
// kernel has replaced its memory); /proc/PID/cmdline and /proc/PID/environ
// may, for a few more microseconds while the kernel finishes the exec, read
// empty or still show the caller's argv and environment. A missing ELF
// interpreter is found by execve itself: Detach reports it as a failed exec
// (ENOENT).
// Cost does not grow with the caller's memory (no fork of the caller).
// Thread-safe; no fd of one call can leak into another call's command.
// Each thread that calls Detach keeps one 140 KiB private mapping (the two
// children's stacks, a few pages of it resident) until the thread exits.
// The caller's errno is unspecified afterwards.
[[nodiscard]] Result<Identity> Detach(const Command& command);

// For a process that exits right after starting the command (a command-line
// launcher such as reaper): the caller plays the intermediate itself. The
// command is created as the caller's child, with everything Detach gives (new
// session, default signals, closed fds, stdio, the same errors, exec
// confirmed, an exact identity), and becomes detached when the caller exits:
// it is then adopted by the nearest subreaper or init. This saves creating
// and reaping one process per call.
// Until the caller exits, the command is its child: a command that exits
// first is a zombie until then, and the caller's waitpid(-1) or SIGCHLD
// handler may see it. So the caller must exit soon, and must not be PID 1 of
// a PID namespace (its exit would end the command). Long-lived callers use
// Detach. A command that failed before its exec is reaped before the error
// is returned. Uses about 64 KiB of the calling thread's stack.
[[nodiscard]] Result<Identity> DetachAsIntermediate(const Command& command);

}  // namespace reap

#endif  // REAP_REAP_DETACH_H_
