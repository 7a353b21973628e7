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

namespace reap_testing {

using Millis = std::chrono::milliseconds;

// Polls PRED every few ms until it is true or DEADLINE passes. Returns the
// last result.
bool PollUntil(const std::function<bool()>& pred, Millis deadline = Millis(5000));

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

// Absolute path of a file in this workspace's runfiles ("testing/probe/probe").
std::string Runfile(const std::string& workspace_relative);

// A fresh directory under TEST_TMPDIR (or /tmp).
std::string TempDir();

// Every process below ROOT (children, grandchildren, ...), through /proc.
std::vector<pid_t> Descendants(pid_t root);

// The descendants of this process that are in session SID.
std::vector<pid_t> DescendantsInSession(pid_t sid);

// Alive and not a zombie.
bool Running(pid_t pid);

// Running, and no fatal signal on its way. The kernel marks SIGKILL pending
// the moment a fatal signal is sent (kill(2) returns after that), so a
// killed process is known at once, however long it then waits for a CPU:
// the answer does not depend on load.
bool Surviving(pid_t pid);

// Sleeping (interruptibly) or stopped: not waiting for a CPU. A process
// that holds a zombie child or stays a command's parent is to blame for the
// time it spends so, not for the time a busy machine keeps it from running.
bool Idle(pid_t pid);

// Whether PATH exists.
bool Exists(const std::string& path);

// The whole content of a file ("" when it cannot be read).
std::string ReadAll(const std::string& path);

// An adopter's bookkeeping: every child it reaped, with its wait status.
struct Reaps {
  std::map<pid_t, int> status;
  void Collect();  // reaps every exited child (own or adopted), no blocking
  bool Has(pid_t pid) const { return status.count(pid) != 0; }
};

// Runs FN as PID 1 of a new PID namespace (with its own /proc), and returns
// its result (bounded: 60 s). Everything left in the namespace dies with it.
// Hazard: the namespace is made with a raw clone (fork-like), after which
// the child runs arbitrary C++ (FN, malloc, iostreams). In a process with
// other threads a lock held by one of them at the clone stays held for ever
// in the child (systemd marks its equivalent "do not use in threaded
// programs"): call it from a single-threaded test only.
std::vector<std::string> RunInPidNamespace(const std::function<std::vector<std::string>()>& fn);

// PollUntil that reaps (into REAPS) while it waits.
bool PollReaping(Reaps* reaps, const std::function<bool()>& pred, Millis deadline);

// The end of every test tree: SIGKILLs (after SIGCONT, for stopped ones)
// every descendant of this process but those SPARE says to leave for now,
// and reaps them into REAPS, until none is left or DEADLINE passes. True
// when none is left.
bool KillAllDescendants(Reaps* reaps, Millis deadline, const std::function<bool(pid_t)>& spare = nullptr);

}  // namespace reap_testing

#endif  // REAP_TESTING_WORLD_H_
