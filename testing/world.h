// A world the test owns: the test process is a subreaper, so every process
// its tests detach is adopted by it, and it kills and reaps all of them when
// the world ends, even when an assertion failed.
#ifndef REAP_TESTING_WORLD_H_
#define REAP_TESTING_WORLD_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "conformance/processes.h"
#include "reap/identity.h"

namespace reap_testing {

// The process observation the suite and the tests share.
using reap_conformance::Descendants;
using reap_conformance::DescendantsInSession;
using reap_conformance::Exists;
using reap_conformance::Idle;
using reap_conformance::KillAllDescendants;
using reap_conformance::Millis;
using reap_conformance::PidIsRunning;
using reap_conformance::PollReaping;
using reap_conformance::PollUntil;
using reap_conformance::ReadAll;
using reap_conformance::Reaps;
using reap_conformance::Surviving;
using reap_conformance::TempDir;

class World {
 public:
  World();   // becomes a subreaper (aborts the test binary if it cannot)
  ~World();  // KillAll()
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Direct children of the test process right now (own or adopted).
  std::vector<pid_t> Children() const;
  // Children currently in state Z.
  std::vector<pid_t> ZombieChildren() const;
  // Waits until PID has exited and reaps it; false on deadline.
  bool AwaitExitAndReap(pid_t pid, Millis deadline = Millis(5000), int* status = nullptr);
  // SIGKILLs every child and descendant that reaches us, and reaps them all,
  // until none is left (bounded: 10 s).
  void KillAll();
};

// Runs ARGV (argv[0] is a path) with stdout and stderr captured, stdin on
// /dev/null; kills it at the deadline. ENV_EXTRA adds NAME=VALUE entries.
struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  bool timed_out = false;
  std::string out;
  std::string err;
};
RunResult Run(const std::vector<std::string>& argv, Millis deadline = Millis(10000),
              const std::vector<std::string>& env_extra = {});

// Absolute path of a file in this workspace's runfiles ("conformance/probe/probe").
std::string Runfile(const std::string& workspace_relative);

// A child of this process that pauses until it is killed.
pid_t ForkPausing();

// PID and its start time as /proc shows them now (start time 0 if gone).
reap::Identity IdentityOf(pid_t pid);

// Runs FN as PID 1 of a new PID namespace (with its own /proc), and returns
// its result (bounded: 60 s). Everything left in the namespace dies with it.
// Hazard: the namespace is made with a raw clone (fork-like), after which
// the child runs arbitrary C++ (FN, malloc, iostreams). In a process with
// other threads a lock held by one of them at the clone stays held for ever
// in the child (systemd marks its equivalent "do not use in threaded
// programs"): call it from a single-threaded test only.
std::vector<std::string> RunInPidNamespace(const std::function<std::vector<std::string>()>& fn);

}  // namespace reap_testing

#endif  // REAP_TESTING_WORLD_H_
