#include "testing/invariants.h"

#include <sys/wait.h>

#include "conformance/properties.h"

namespace reap_testing {

namespace {

using Violations = std::vector<std::string>;

// 1. No zombies.
void CheckNoZombies(const Observation& o, Violations* v) {
  const auto& p = o.caller;
  if (p && p->zombies_after > 0) {
    v->push_back("1. no zombies: the caller had " + std::to_string(p->zombies_after) +
                 " zombie child(ren) after the detach returned");
  }
  if (p && p->children_after > 0) {
    v->push_back("1. no zombies: the caller still had " + std::to_string(p->children_after) +
                 " child(ren) after the detach returned (intermediate not reaped, or the "
                 "command is its child)");
  }
  for (pid_t z : o.zombies_at_end)
    v->push_back("1. no zombies: pid " + std::to_string(z) + " stayed a zombie");
}

// 2. Correct reparenting, new session, no terminal.
void CheckReparenting(const Observation& o, Violations* v) {
  const auto& c = o.command;
  if (!c) return;
  // new-session, as the conformance suite judges it.
  if (auto f = reap_conformance::NewSessionViolation(*c, o.caller_session, o.caller_pgid, "caller"))
    v->push_back("2. reparenting: " + *f);
  if (c->sid == o.world_session) v->push_back("2. reparenting: the command is in the test's session");
  if (!o.command_reparented) {
    v->push_back("2. reparenting: the command's parent never became " + std::to_string(o.adopter));
  }
}

// 3. Accurate PID: what the caller was told matches what ran.
void CheckAccuracy(const Observation& o, Violations* v) {
  const auto& c = o.command;
  const auto& p = o.caller;
  if (!p) return;
  if (!p->ok) {
    if (c) {
      v->push_back("3. accuracy: the caller got an error (" + p->error + ") but the command runs as pid " +
                   std::to_string(c->pid));
    }
    if (!o.expect_exec_failure && !o.fault_could_fail)
      v->push_back("3. accuracy: unexpected error: " + p->error);
    return;
  }
  if (o.expect_exec_failure) v->push_back("3. accuracy: a nonexistent command was reported started");
  if (o.other_pids.count(p->pid)) {
    v->push_back("3. accuracy: reported pid " + std::to_string(p->pid) +
                 " is the intermediate's, the caller's or the grandparent's");
  }
  if (c) {
    if (auto f = reap_conformance::PidViolation(p->pid, c->pid)) {
      v->push_back("3. accuracy: " + *f);
    } else if (p->start_time != 0 && p->start_time != c->start) {
      v->push_back("3. accuracy: reported start time " + std::to_string(p->start_time) +
                   " but the command started at " + std::to_string(c->start));
    }
  } else if (!o.command_targeted) {
    v->push_back("3. accuracy: pid " + std::to_string(p->pid) + " reported but no command ever ran");
  }
}

// 4. Survival: the command lives or exits as it was told to.
void CheckSurvival(const Observation& o, Violations* v) {
  if (!o.command || o.command_targeted) return;
  const std::optional<int>& status = o.command_status;
  if (o.command_should_live && !o.command_alive_at_end) {
    std::string how;
    if (status && WIFSIGNALED(*status)) how = " (killed by signal " + std::to_string(WTERMSIG(*status)) + ")";
    v->push_back("4. survival: the command died" + how);
  }
  if (o.command_should_exit_cleanly && status && !(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)) {
    v->push_back("4. survival: the command did not exit cleanly (wait status " + std::to_string(*status) +
                 ")");
  }
}

// 5. Nothing leaked: fds, signal state, processes.
void CheckNoLeaks(const Observation& o, Violations* v) {
  const auto& c = o.command;
  const auto& p = o.caller;
  if (c) {
    // no-leaked-fds and clean-signals, as the conformance suite judges them.
    if (auto f = reap_conformance::LeakedFdsViolation(*c, {}, "caller")) v->push_back("5. leaks: " + *f);
    if (auto f = reap_conformance::CleanSignalsViolation(*c)) v->push_back("5. leaks: the command " + *f);
  }
  if (p && p->fds_after != p->fds_before) {
    v->push_back("5. leaks: the caller had " + std::to_string(p->fds_before) + " fds before and " +
                 std::to_string(p->fds_after) + " after");
  }
  for (pid_t l : o.leftovers)
    v->push_back("5. leaks: process " + std::to_string(l) + " of the scenario is still alive");
}

}  // namespace

std::vector<std::string> CheckInvariants(const Observation& o) {
  Violations v;
  CheckNoZombies(o, &v);
  CheckReparenting(o, &v);
  CheckAccuracy(o, &v);
  CheckSurvival(o, &v);
  CheckNoLeaks(o, &v);
  return v;
}

}  // namespace reap_testing
