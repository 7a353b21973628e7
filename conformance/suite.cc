// How a trial runs (docs/conformance-suite.md has the user's view):
//
//   suite (subreaper S) -> caller G (new session, extra fds, ignored and
//   blocked signals) -> detacher D -> ... -> command C (the probe)
//
// The suite watches everything through /proc while D runs, and again after
// it returned: who C's parent is, who holds C as a zombie, what C reported
// about itself. G can act at the very moment D's exit reaches it (kill its
// own process group, hang up its session), as a server that crashes right
// after starting a worker would. S and G share one page of memory so that G
// can say when D returned without spending time on it.
#include "conformance/suite.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <optional>
#include <random>
#include <thread>

#include "conformance/probe_report.h"
#include "conformance/processes.h"
#include "conformance/suite_internal.h"
#include "reap/proc.h"
#include "text/words.h"

namespace reap_conformance {
namespace {

using Clock = std::chrono::steady_clock;

// Every deadline of a trial, in the order they nest: G gives up on D before
// the suite gives up on G, and G outlives every check unless released.
constexpr Millis kCallerKillsDetacher(12000);  // G SIGKILLs a D still running
constexpr Millis kDetacherDeadline(15000);     // S stops waiting for D's exit
constexpr Millis kCallerLifetime(30000);       // G exits by itself
constexpr Millis kReportDeadline(5000);        // C's report, while anything that could run it lives
constexpr Millis kFailedReportDeadline(200);   // ... when the program cannot exec
constexpr Millis kSettleDeadline(2000);        // intermediates gone, C adopted
constexpr Millis kCleanupDeadline(10000);      // everything killed and reaped
// What the properties allow.
constexpr Millis kPromptAdoption(500);  // C still D's child after its PID was known
constexpr Millis kZombieHold(20);       // C held as a zombie by anyone but S
constexpr Millis kSignalWindow(20);     // for what a signal sent to C sets off (its death is seen at once)

const int kCallerIgnores[] = {SIGINT, SIGQUIT, SIGPIPE};
const int kCallerBlocks = SIGUSR2;

// G and S share this page (MAP_SHARED, made before G's fork).
struct SharedPage {
  std::atomic<pid_t> detacher;  // D's PID once forked
  std::atomic<int> status;      // D's wait status once done
  std::atomic<int> done;        // D was waited for
  std::atomic<int> release;     // S is done: G may exit
  std::atomic<int> acted;       // G has sent its AtReturn signals (or had none to send)
  std::atomic<int> schedule;    // a Schedule, in AtReturn trials
};

enum Schedule { kRealTimeCaller = 1, kIdleDetacher = 2 };

// The worst legal schedule for a detacher that returns before its command
// left the caller's group and session: the caller, D and everything D
// forks share one CPU, and the caller runs first as soon as D's exit wakes
// it (real-time priority that its children do not inherit). Where
// real-time priority is not permitted (an unprivileged user, a user
// namespace such as Bazel's sandbox), D and its children run SCHED_IDLE
// instead, which makes the caller first most of the time (measured: 20-30%
// of setsid -f's commands lost to a hangup, against 97-100% real-time).
int WorstCaseSchedule() {
  cpu_set_t one;
  CPU_ZERO(&one);
  int cpu = sched_getcpu();
  CPU_SET(cpu < 0 ? 0 : cpu, &one);
  sched_setaffinity(0, sizeof one, &one);
  sched_param sp{};
  sp.sched_priority = 1;
  if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) == 0) return kRealTimeCaller;
  return kIdleDetacher;
}
static_assert(std::atomic<int>::is_always_lock_free, "shared between processes");

// The kernel's struct sigaction (not glibc's): a zeroed one is SIG_DFL.
struct KernelSigaction {
  void* handler;
  unsigned long flags;
  void* restorer;
  std::uint64_t mask;
};

using internal::Program;
// What the suite does once the command has reported and the detacher is done.
enum class After { kNothing, kKillGroup, kHangupSession, kRandomFault };
// What G does the moment the detacher's successful exit reaches it.
enum class AtReturn { kNothing, kKillGroup, kHangupSession };

struct TrialSpec {
  Program program = Program::kProbe;
  std::vector<std::string> payload;  // extra argv after "--"
  long linger_ms = 20000;            // how long the probe lives
  After after = After::kNothing;
  AtReturn at_return = AtReturn::kNothing;
  int fault_delay_us = 0;  // kRandomFault: when, what, at whom
  int fault_signal = SIGKILL;
  bool fault_on_caller = false;  // else on D
  // Wait for intermediates to go and the command to be adopted before the
  // checks (trials that only ask "is the command alive" do not).
  bool settle = true;
};

// What one run of the detacher showed.
struct Trial {
  std::string error;                        // harness trouble
  bool exited = false;                      // D exited and G saw it
  Clock::time_point started_at, exited_at;  // G forked; the suite saw D's exit
  int exit_status = -1;                     // D's wait status when exited
  std::string out, err;                     // what D printed
  bool known = false;                       // the caller has what D will tell it
  Clock::time_point known_at;
  std::optional<pid_t> reported;  // PID from stdout or pidfile
  std::optional<ProbeReport> command;
  pid_t caller = 0;                        // G: leads the caller's session and group
  pid_t detacher = 0;                      // D
  std::vector<std::string> stdio_targets;  // readlink of C's fds 0..2
  std::vector<std::string> caller_pipes;   // readlink of D's stdout and stderr pipes
  std::vector<std::string> cmdline;        // C's argv
  bool zombie_seen = false;                // D held a zombie child, idle, for kZombieHold
  std::vector<pid_t> lingering;            // processes other than G and C after D exited
  // C as watched by the suite.
  std::optional<Clock::time_point> adopted_at;  // first seen as S's child
  // Times count only while the other process was idle (world.h's Idle):
  // a busy machine delays processes, it does not make them guilty.
  std::optional<Clock::time_point> foreign_at;  // last seen alive as another's child
  pid_t foreign_parent = 0;                     // that other parent
  Clock::duration foreign_hold{};               // ... after the PID was known, that parent idle
  Clock::duration zombie_hold{};                // held as a zombie by another, the holder idle
  pid_t zombie_holder = 0;
  bool command_gone = false;   // exited and reaped (by anyone)
  bool command_alive = false;  // after the action
  int schedule = 0;            // the caller's Schedule in AtReturn trials
};

std::string Ms(Clock::duration d) {
  return std::to_string(std::chrono::duration_cast<Millis>(d).count()) + " ms";
}

// How long some process was to blame: the sum of the intervals between
// consecutive observations that both found it so.
class BlameClock {
 public:
  void Observe(Clock::time_point now, bool blamed) {
    if (blamed && last_) total_ += now - *last_;
    last_ = blamed ? std::optional<Clock::time_point>(now) : std::nullopt;
  }
  Clock::duration total() const { return total_; }

 private:
  std::optional<Clock::time_point> last_;
  Clock::duration total_{};
};

// Sends SIG to every other process of the caller's session.
void SignalSession(int sig) {
  pid_t self = getpid(), sid = getsid(0);
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return;
  while (dirent* e = readdir(proc)) {
    pid_t x = static_cast<pid_t>(std::atoi(e->d_name));
    if (x <= 0 || x == self) continue;
    auto st = reap::ReadProcStat(x);
    if (st.ok() && st->session == sid) kill(x, sig);
  }
  closedir(proc);
}

// Waits for D, SIGKILLing it if it overruns. A blocking waitpid returns the
// moment D exits (an alarm bounds it); polling would give the command time
// to leave the caller's group before the caller acts.
pid_t g_overrunning_detacher = 0;
void KillOverrunningDetacher(int) { kill(g_overrunning_detacher, SIGKILL); }

int AwaitDetacher(pid_t d) {
  g_overrunning_detacher = d;
  struct sigaction sa {};
  sa.sa_handler = KillOverrunningDetacher;
  sigaction(SIGALRM, &sa, nullptr);
  alarm(
      static_cast<unsigned>(std::chrono::duration_cast<std::chrono::seconds>(kCallerKillsDetacher).count()));
  int status = 127 << 8;
  while (waitpid(d, &status, 0) < 0 && errno == EINTR) {
  }
  alarm(0);
  return status;
}

void NoopHandler(int) {}

// G: the caller. A new session, the caller's extra fds (as a careless server
// would have), ignored and blocked signals, then the detacher; waits for it
// and stays until released so its session and group exist during the checks.
}  // namespace

namespace internal {

void BecomeCarelessCaller(const std::vector<int>& keep) {
  setsid();
  // Exactly the caller's extras above 2, whatever the suite had open.
  if (auto fds = reap::ListFds(getpid()); fds.ok()) {
    for (int fd : fds.value()) {
      if (fd > 2 && std::count(keep.begin(), keep.end(), fd) == 0) close(fd);
    }
  }
  int highest = CallerExtraFds().back();
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur <= static_cast<rlim_t>(highest)) {
    lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, static_cast<rlim_t>(highest) + 1);
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  for (int fd : CallerExtraFds()) dup2(null, fd);  // dup2 leaves them inheritable
  close(null);
  // Start from a known state, whatever the environment handed us (glibc's
  // own signals 32 and 33 often arrive ignored; only the system call can
  // reset those), so verdicts do not depend on the machine.
  KernelSigaction dfl{};
  for (int sig = 1; sig < NSIG; ++sig) syscall(SYS_rt_sigaction, sig, &dfl, nullptr, sizeof dfl.mask);
  for (int sig : kCallerIgnores) signal(sig, SIG_IGN);
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, kCallerBlocks);
  sigprocmask(SIG_BLOCK, &block, nullptr);
}

std::string ProgramPath(Program program, const std::string& dir, const SuiteOptions& o) {
  switch (program) {
    case Program::kProbe:
      return o.probe;
    case Program::kMissingPath:
      return dir + "/no-such-program";
    case Program::kMissingBare:  // a name no PATH holds; there is no absolute path for it
      return "reap-conformance-no-such-program-" + std::to_string(getpid());
    case Program::kNotAProgram: {
      // Executable bits, no #! line, not ELF: execve fails with ENOEXEC.
      std::string path = dir + "/not-a-program";
      int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
      static const char kJunk[] = "\x01\x02\x03 not a program\n";
      bool ok = fd >= 0 && write(fd, kJunk, sizeof kJunk - 1) == static_cast<ssize_t>(sizeof kJunk - 1);
      if (fd >= 0) close(fd);
      return ok ? path : "";
    }
  }
  return "";
}

std::vector<std::string> ProbeArgs(const SuiteOptions& o, const std::string& report, long linger_ms,
                                   const std::vector<std::string>& payload) {
  std::vector<std::string> args = o.probe_args;
  for (const std::string& a :
       {std::string("--report"), report, std::string("--linger-ms"), std::to_string(linger_ms)}) {
    args.push_back(a);
  }
  if (!payload.empty()) {
    args.push_back("--");
    args.insert(args.end(), payload.begin(), payload.end());
  }
  return args;
}

std::string CallerSignalsText() {
  std::string caller;
  for (int sig : kCallerIgnores) caller += SignalName(sig) + " ";
  return "the caller ignored " + caller + "and blocked " + SignalName(kCallerBlocks);
}

Verdict Conclude(const Description& d, const SuiteOptions& o, const std::string& property, Status status,
                 std::string reason, std::chrono::steady_clock::time_point start) {
  Verdict v{property, status, std::move(reason),
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
  if (d.unclaimed.count(property) && v.status != Status::kSkip) {
    v.reason = "not claimed (would be " + std::string(StatusName(v.status)) +
               (v.reason.empty() ? "" : ": " + v.reason) + ")";
    v.status = Status::kSkip;
  }
  if (o.on_verdict) o.on_verdict(v);
  return v;
}

Outcome DrawRounds(int rounds, const std::function<Round()>& round,
                   const std::function<std::string()>& about) {
  int exercised = 0, attempts = 0;
  while (exercised < rounds && attempts < rounds * kAttemptsPerRound) {
    Round r = round();
    ++attempts;
    if (r.violation) return Fail(*r.violation);
    exercised += r.exercised;
  }
  std::string counts = std::to_string(exercised) + " of " + std::to_string(attempts) + " rounds exercised";
  if (exercised < rounds) {
    return Inconclusive(counts + " (" + std::to_string(rounds) + " needed) " + about() +
                        ": in the others the fault landed before any command existed");
  }
  return Pass(counts + " " + about());
}

std::string FdTarget(pid_t pid, int fd) {
  char buf[4096];
  std::string link = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
  ssize_t n = readlink(link.c_str(), buf, sizeof buf);
  return n < 0 ? std::string("(closed)") : std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace internal

namespace {

// G: the caller. A new session, the caller's extra fds (as a careless server
// would have), ignored and blocked signals, then the detacher; waits for it
// and stays until released so its session and group exist during the checks.
[[noreturn]] void CallerMain(const std::vector<std::string>& argv, int out, int err, SharedPage* shared,
                             AtReturn at_return) {
  internal::BecomeCarelessCaller({out, err});
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  // G survives its own hangup; a handler is reset by exec, so D starts with
  // SIGHUP at its default.
  if (at_return == AtReturn::kHangupSession) signal(SIGHUP, NoopHandler);
  bool idle_detacher = false;
  if (at_return != AtReturn::kNothing) {
    shared->schedule.store(WorstCaseSchedule());
    idle_detacher = shared->schedule.load() == kIdleDetacher;
  }
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  // fork + exec, not posix_spawn: glibc's posix_spawn sets its internal
  // signals (32, 33) to SIG_IGN in the child, which would blame every
  // detacher for a state its caller handed it.
  pid_t d = fork();
  if (d == 0) {
    if (idle_detacher) {
      sched_param none{};
      sched_setscheduler(0, SCHED_IDLE, &none);
    }
    dup2(null, 0);
    dup2(out, 1);
    dup2(err, 2);
    execvp(cargv[0], cargv.data());
    _exit(127);
  }
  int status = 127 << 8;
  if (d > 0) {
    shared->detacher.store(d);
    status = AwaitDetacher(d);
  }
  shared->status.store(status);
  shared->done.store(1);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    if (at_return == AtReturn::kKillGroup) kill(0, SIGKILL);  // G too: S sees it die
    if (at_return == AtReturn::kHangupSession) {
      kill(0, SIGHUP);
      SignalSession(SIGHUP);  // members that left the group but not the session
    }
  }
  shared->acted.store(1);
  auto end = Clock::now() + kCallerLifetime;
  while (!shared->release.load() && Clock::now() < end) std::this_thread::sleep_for(Millis(1));
  _exit(0);
}

// One trial: sets up, runs the detacher, watches, acts, cleans up.
class TrialRun {
 public:
  TrialRun(const Description& d, const SuiteOptions& o, const TrialSpec& spec) : d_(d), o_(o), spec_(spec) {}
  TrialRun(const TrialRun&) = delete;
  TrialRun& operator=(const TrialRun&) = delete;
  ~TrialRun() { CleanUp(); }

  Trial Go() {
    if (!Prepare()) return t_;
    if (!StartCaller()) return t_;
    if (spec_.after == After::kRandomFault) InjectFault();
    if (spec_.at_return != AtReturn::kNothing) StayIdle();
    // The detacher's run: until it exits (not until EOF: a detacher that
    // hands our pipe to the command would keep it open for ever).
    WatchUntil([&] { return t_.exited || !Running(t_.caller); }, kDetacherDeadline);
    if (!t_.known) MarkKnown();  // D died without saying anything
    // Until the command reported, or nothing is left that could still run
    // it (D done or G killed, no other process): a D killed by a fault may
    // leave a command that reports late on a busy machine.
    WatchUntil(
        [&] {
          if (!t_.command) return (t_.exited || !Running(t_.caller)) && OthersLeft().empty();
          return d_.pid != PidSource::kPidfile || t_.reported.has_value();
        },
        spec_.program == Program::kProbe ? kReportDeadline : kFailedReportDeadline);
    pid_t cpid = CommandPid();
    // Settle: intermediates gone; the command adopted, or gone if it exited.
    if (spec_.settle) {
      WatchUntil([&] { return OthersLeft().empty() && (cpid == 0 || t_.adopted_at || t_.command_gone); },
                 kSettleDeadline);
      t_.lingering = OthersLeft();
    }
    if (cpid != 0 && spec_.linger_ms >= 1000) Inspect(cpid);
    Act();
    // G's own action at return is over once G says so or died by it.
    if (spec_.at_return != AtReturn::kNothing) {
      WatchUntil([&] { return shared_->acted.load() || !Running(t_.caller); }, kSettleDeadline);
    }
    if (cpid != 0 && !t_.command_gone) {
      std::this_thread::sleep_for(kSignalWindow);
      Observe();
      t_.command_alive = Surviving(cpid);
    }
    return t_;
  }

 private:
  bool Prepare() {
    dir_ = TempDir();
    report_ = dir_ + "/report";
    close(open(report_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    CommandSpec c;
    c.abs_program = internal::ProgramPath(spec_.program, dir_, o_);
    if (c.abs_program.empty()) return HarnessError("cannot write " + dir_ + "/not-a-program");
    c.program = c.abs_program;
    c.args = internal::ProbeArgs(o_, report_, spec_.linger_ms, spec_.payload);
    c.pidfile = pidfile_ = dir_ + "/detacher.pid";
    auto argv = Expand(d_, c, o_.defines);
    if (!argv.ok()) return HarnessError(argv.error().Message());
    argv_ = argv.value();
    return true;
  }

  bool StartCaller() {
    void* page = mmap(nullptr, sizeof(SharedPage), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return HarnessError(std::string("mmap: ") + strerror(errno));
    shared_ = new (page) SharedPage{};
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0) return HarnessError(std::string("pipe: ") + strerror(errno));
    if (pipe2(err, O_CLOEXEC) != 0) {
      close(out[0]);
      close(out[1]);
      return HarnessError(std::string("pipe: ") + strerror(errno));
    }
    out_ = out[0];
    err_ = err[0];
    t_.started_at = Clock::now();
    pid_t g = fork();
    if (g == 0) CallerMain(argv_, out[1], err[1], shared_, spec_.at_return);
    close(out[1]);
    close(err[1]);
    if (g < 0) return HarnessError(std::string("fork: ") + strerror(errno));
    t_.caller = g;
    fcntl(out_, F_SETFL, O_NONBLOCK);
    fcntl(err_, F_SETFL, O_NONBLOCK);
    return true;
  }

  void InjectFault() {
    std::this_thread::sleep_for(std::chrono::microseconds(spec_.fault_delay_us));
    pid_t target = t_.caller;
    if (!spec_.fault_on_caller) {
      WatchUntil([&] { return t_.detacher != 0 || !Running(t_.caller); }, kSettleDeadline);
      target = t_.detacher;
    }
    if (target > 0) kill(target, spec_.fault_signal);
  }

  // While D runs, the suite keeps off the CPUs: a busy watcher changes where
  // and when the detacher's children are scheduled, and with it the race
  // this trial is about (a caller that waits idly, as servers do).
  void StayIdle() {
    auto end = Clock::now() + kDetacherDeadline;
    while (!shared_->done.load() && Clock::now() < end) {
      std::this_thread::sleep_for(Millis(5));
      if (waitpid(t_.caller, nullptr, WNOHANG) == t_.caller) break;
    }
  }

  // One look at everything; called every few ms while the trial runs.
  void Observe() {
    reaps_.Collect();
    Drain();
    auto now = Clock::now();
    if (t_.detacher == 0) t_.detacher = shared_->detacher.load();
    t_.schedule = shared_->schedule.load();
    if (!t_.exited && shared_->done.load()) {
      t_.exited = true;
      t_.exited_at = now;
      t_.exit_status = shared_->status.load();
    }
    if (!t_.known) {
      if (d_.pid == PidSource::kStdout && t_.out.find('\n') != std::string::npos)
        MarkKnown();
      else if (t_.exited)
        MarkKnown();
    }
    if (d_.pid == PidSource::kPidfile && t_.exited && !t_.reported) {
      std::string text = ReadAll(pidfile_);
      if (!text.empty()) t_.reported = static_cast<pid_t>(std::atoi(text.c_str()));
    }
    if (!t_.command) t_.command = ReadProbeReport(report_);
    if (t_.command && !t_.command_gone) WatchCommand(now);
    if (t_.detacher > 0 && !t_.exited) WatchDetacherZombies(now);
  }

  void MarkKnown() {
    t_.known = true;
    t_.known_at = Clock::now();
    if (d_.pid != PidSource::kStdout) return;
    std::size_t i = t_.out.find_first_of("0123456789");
    if (i != std::string::npos) t_.reported = static_cast<pid_t>(std::atoi(t_.out.c_str() + i));
  }

  void WatchCommand(Clock::time_point now) {
    pid_t self = getpid();
    auto st = reap::ReadProcStat(t_.command->pid);
    if (!st.ok()) {
      t_.command_gone = true;  // exited and reaped; never look at the PID again
      return;
    }
    if (st->ppid == self && !t_.adopted_at) t_.adopted_at = now;
    bool zombie = reap::HasExited(st->state);
    bool foreign = st->ppid != self;
    bool parent_idle = foreign && Idle(st->ppid);
    if (foreign) (zombie ? t_.zombie_holder : t_.foreign_parent) = st->ppid;
    if (foreign && !zombie) t_.foreign_at = now;
    zombie_blame_.Observe(now, zombie && parent_idle);
    foreign_blame_.Observe(now, !zombie && parent_idle && t_.known);
    t_.zombie_hold = zombie_blame_.total();
    t_.foreign_hold = foreign_blame_.total();
  }

  // A zombie reaped within microseconds is normal; one the detacher holds
  // while idle for kZombieHold is an intermediate it does not reap.
  void WatchDetacherZombies(Clock::time_point now) {
    bool idle = Idle(t_.detacher);
    for (pid_t kid : reap::ListChildren(t_.detacher)) {
      auto st = reap::ReadProcStat(kid);
      if (!st.ok() || st->state != 'Z') continue;
      BlameClock& held = detacher_zombies_[kid];
      held.Observe(now, idle);
      if (held.total() >= kZombieHold) t_.zombie_seen = true;
    }
  }

  void Drain() {
    char buf[4096];
    for (int fd : {out_, err_}) {
      for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        (fd == out_ ? t_.out : t_.err).append(buf, static_cast<std::size_t>(n));
      }
    }
  }

  template <typename Pred>
  bool WatchUntil(Pred pred, Millis deadline) {
    return PollUntil(
        [&] {
          Observe();
          return pred();
        },
        deadline);
  }

  pid_t CommandPid() const { return t_.command ? t_.command->pid : 0; }

  // Processes below the suite other than G and C.
  std::vector<pid_t> OthersLeft() const {
    std::vector<pid_t> out;
    for (pid_t x : Descendants(getpid())) {
      if (x != t_.caller && x != CommandPid()) out.push_back(x);
    }
    return out;
  }

  void Inspect(pid_t cpid) {
    WatchUntil(
        [&] {
          auto a = reap::ReadCmdline(cpid);
          if (a.ok()) t_.cmdline = a.value();
          return !t_.cmdline.empty() || t_.command_gone;
        },
        kSettleDeadline);
    auto target = internal::FdTarget;
    for (int fd = 0; fd < 3; ++fd) t_.stdio_targets.push_back(target(cpid, fd));
    t_.caller_pipes = {target(getpid(), out_), target(getpid(), err_)};
  }

  void Act() {
    if (spec_.after == After::kKillGroup) kill(-t_.caller, SIGKILL);
    if (spec_.after == After::kHangupSession) {
      for (pid_t x : DescendantsInSession(t_.caller)) kill(x, SIGHUP);
    }
  }

  // Records why the harness could not run the trial; false, for `return`.
  bool HarnessError(std::string why) {
    t_.error = std::move(why);
    return false;
  }

  // Release G, then end everything that is left (bounded).
  void CleanUp() {
    if (shared_ != nullptr) shared_->release.store(1);
    // The caller exits on release: it is given until 5 s before the end.
    auto caller_may_exit_until = Clock::now() + kCleanupDeadline - Millis(5000);
    KillAllDescendants(&reaps_, kCleanupDeadline, [&](pid_t x) {
      return x == t_.caller && Clock::now() < caller_may_exit_until && Running(x);
    });
    if (out_ >= 0) close(out_);
    if (err_ >= 0) close(err_);
    if (shared_ != nullptr) munmap(shared_, sizeof(SharedPage));
    if (!dir_.empty()) {
      for (const char* f : {"/report", "/detacher.pid", "/not-a-program"}) unlink((dir_ + f).c_str());
      rmdir(dir_.c_str());  // a detacher that wrote elsewhere in it leaves it
    }
  }

  const Description& d_;
  const SuiteOptions& o_;
  const TrialSpec spec_;
  Trial t_;
  Reaps reaps_;
  std::string dir_, report_, pidfile_;
  std::vector<std::string> argv_;
  SharedPage* shared_ = nullptr;
  int out_ = -1, err_ = -1;
  BlameClock zombie_blame_, foreign_blame_;
  std::map<pid_t, BlameClock> detacher_zombies_;
};

Trial RunTrial(const Description& d, const SuiteOptions& o, const TrialSpec& spec) {
  TrialRun run(d, o, spec);
  return run.Go();
}

std::string DetacherRole(const Trial& t, pid_t pid) {
  if (pid == 0) return "a process the suite never saw";
  const char* role = pid == t.detacher ? " (the detacher)"
                     : pid == t.caller ? " (the caller)"
                                       : " (an intermediate)";
  return "pid " + std::to_string(pid) + role;
}

// The one-line reason when a trial could not even show a command.
std::optional<std::string> WhyNoCommand(const Trial& t) {
  if (!t.error.empty()) return "harness: " + t.error;
  if (t.command) return std::nullopt;
  if (!t.exited) return "the detacher did not exit within " + Ms(kDetacherDeadline) + " and no command ran";
  std::string why = "the command never ran (detacher: " + DescribeWaitStatus(t.exit_status) + ")";
  std::string err = t.err.substr(0, t.err.find('\n'));
  if (!err.empty()) why += ": " + err;
  return why;
}

using internal::Fail;
using internal::Inconclusive;
using internal::Join;
using internal::Outcome;
using internal::Pass;
Outcome PassUnless(const std::optional<std::string>& failure, std::string ok) {
  return failure ? Fail(*failure) : Pass(std::move(ok));
}

// The properties, each a method; the table in Run() gives their order.
class Suite {
 public:
  Suite(const Description& d, const SuiteOptions& o) : d_(d), o_(o), rng_(o.seed) {}

  std::vector<Verdict> Run() {
    using Check = Outcome (Suite::*)();
    static const std::pair<const char*, Check> kTable[] = {
        {"exec-failure", &Suite::ExecFailure},       {"argv-literal", &Suite::ArgvLiteral},
        {"new-session", &Suite::NewSession},         {"reparented", &Suite::Reparented},
        {"prompt-adoption", &Suite::PromptAdoption}, {"survives-group-kill", &Suite::SurvivesGroupKill},
        {"survives-hangup", &Suite::SurvivesHangup}, {"safe-at-return", &Suite::SafeAtReturn},
        {"quick-exit", &Suite::QuickExit},           {"clean-signals", &Suite::CleanSignals},
        {"no-leaked-fds", &Suite::NoLeakedFds},      {"stdio-detached", &Suite::StdioDetached},
        {"no-intermediate", &Suite::NoIntermediate}, {"pid-accurate", &Suite::PidAccurate},
        {"random-faults", &Suite::RandomFaults},
    };
    std::vector<std::string> names;
    for (const auto& row : kTable) names.emplace_back(row.first);
    if (names != PropertyNames(Mode::kCli)) {  // description files name properties
      std::fprintf(stderr, "reaper-conformance: internal error: property table and PropertyNames() differ\n");
      std::abort();
    }
    std::vector<Verdict> out;
    for (const auto& [name, check] : kTable) {
      auto start = Clock::now();
      Outcome r = (this->*check)();
      out.push_back(internal::Conclude(d_, o_, name, r.status, r.reason, start));
    }
    return out;
  }

 private:
  bool Claims(const char* p) const { return d_.unclaimed.count(p) == 0; }
  bool ReportsPid() const { return d_.pid != PidSource::kAdopted; }
  Trial Run(const TrialSpec& s) { return RunTrial(d_, o_, s); }

  // A plain run, observed in every way that does not disturb it; shared by
  // the properties that only look.
  const Trial& Base() {
    if (!base_) base_ = Run({});
    return *base_;
  }

  Outcome ExecFailure() {
    struct Case {
      Program program;
      const char* what;
      const char* tag;
    };
    const Case cases[] = {
        {Program::kMissingPath, "a nonexistent path", "missing path"},
        {Program::kMissingBare, "a bare name not on PATH", "bare name not on PATH"},
        {Program::kNotAProgram, "a file that is executable but no program (ENOEXEC)", "ENOEXEC"},
    };
    std::string ok;
    for (const Case& c : cases) {
      TrialSpec spec;
      spec.program = c.program;
      Trial t = Run(spec);
      if (!t.error.empty()) return Fail("harness: " + t.error);
      if (!t.exited)
        return Fail("the detacher did not exit within " + Ms(kDetacherDeadline) + " for " + c.what);
      if (t.exit_status == 0) return Fail("reported success (exit 0) for " + std::string(c.what));
      if (t.reported && ReportsPid()) {
        return Fail("reported pid " + std::to_string(*t.reported) + " for " + c.what);
      }
      if (!t.lingering.empty()) {
        return Fail("a process of the failed attempt was left behind (" + std::string(c.what) + ")");
      }
      ok += std::string(ok.empty() ? "" : "; ") + c.tag + ": " + DescribeWaitStatus(t.exit_status);
    }
    return Pass(ok);
  }

  Outcome ArgvLiteral() {
    TrialSpec spec;
    std::string marker = TempDir() + "/ran";
    spec.payload = {"two words",
                    "'single'",
                    "\"double\"",
                    "semi;touch " + marker,
                    "$(touch " + marker + ")",
                    "`touch " + marker + "`",
                    "line1\nline2",
                    "*",
                    "$HOME",
                    ""};
    Trial t = Run(spec);
    std::optional<std::string> f = WhyNoCommand(t);
    if (!f) {
      auto it = std::find(t.cmdline.begin(), t.cmdline.end(), "--");
      std::vector<std::string> got(it == t.cmdline.end() ? t.cmdline.end() : it + 1, t.cmdline.end());
      if (Exists(marker)) {
        f = "the arguments were interpreted: an injected command ran";
      } else if (got != spec.payload) {
        f = "arguments were changed on the way (got " + std::to_string(got.size()) + " of " +
            std::to_string(spec.payload.size()) + " intact)";
      }
    }
    unlink(marker.c_str());
    rmdir(marker.substr(0, marker.rfind('/')).c_str());
    return PassUnless(f, "spaces, quotes, ; $() ` newline * $HOME and an empty argument arrive literally");
  }

  Outcome NewSession() {
    const Trial& t = Base();
    std::optional<std::string> f = WhyNoCommand(t);
    const auto& c = t.command;
    if (!f) {
      if (c->sid == t.caller)
        f = "the command stays in the caller's session";
      else if (c->pgid == t.caller)
        f = "the command stays in the caller's process group";
      else if (c->tty != 0)
        f = "the command has a controlling terminal";
    }
    return PassUnless(
        f, c ? "sid " + std::to_string(c->sid) + (c->sid == c->pid ? " (leads it)" : " (does not lead it)")
             : "");
  }

  Outcome Reparented() {
    const Trial& t = Base();
    std::optional<std::string> f = WhyNoCommand(t);
    if (!f && !t.adopted_at) {
      f = "the command's parent stays " + DetacherRole(t, t.foreign_parent) + ", not the adopter";
    }
    return PassUnless(f, "adopted by the subreaper once the detacher was done");
  }

  Outcome PromptAdoption() {
    const Trial& t = Base();
    std::optional<std::string> f = WhyNoCommand(t);
    const char* when = ReportsPid() ? "its PID was reported" : "the detacher returned";
    if (!f && t.foreign_hold > kPromptAdoption) {
      f = "the command stayed the child of " + DetacherRole(t, t.foreign_parent) + ", which idled for " +
          Ms(t.foreign_hold) + " after " + when;
    }
    if (!f && !t.adopted_at)
      f = "the command was never adopted (its parent stays " + DetacherRole(t, t.foreign_parent) + ")";
    std::string ok = "adopted before its other parent idled for " + Ms(kPromptAdoption) + " after " + when;
    return PassUnless(f, ok);
  }

  Outcome Survives(After after, const std::string& what) {
    TrialSpec spec;
    spec.after = after;
    Trial t = Run(spec);
    std::optional<std::string> f = WhyNoCommand(t);
    if (!f && !t.command_alive) f = what + " killed the command";
    return PassUnless(f, what + " after the command reported");
  }
  Outcome SurvivesGroupKill() { return Survives(After::kKillGroup, "SIGKILL to the caller's process group"); }
  Outcome SurvivesHangup() {
    return Survives(After::kHangupSession, "SIGHUP to every process of the caller's session");
  }

  Outcome SafeAtReturn() {
    struct Kind {
      AtReturn action;
      const char* what;
      int survived = 0;
      std::string first_loss;
    };
    Kind kinds[] = {{AtReturn::kKillGroup, "caller's group SIGKILLed", 0, ""},
                    {AtReturn::kHangupSession, "caller's session hung up", 0, ""}};
    int schedule = 0;
    for (Kind& k : kinds) {
      for (int i = 0; i < o_.trials; ++i) {
        TrialSpec spec;
        spec.at_return = k.action;
        spec.settle = false;
        Trial t = Run(spec);
        if (!t.error.empty()) return Fail("harness: " + t.error);
        std::optional<std::string> lost = WhyNoCommand(t);
        if (!t.command && t.exited && t.exit_status == 0) {
          lost = "exit 0, but the command never started: it was still in the caller's group or session";
        } else if (!lost && !t.command_alive) {
          lost = "the command died";
        }
        schedule = t.schedule;
        if (!lost)
          ++k.survived;
        else if (k.first_loss.empty())
          k.first_loss = *lost;
      }
    }
    std::string counts;
    for (const Kind& k : kinds) {
      counts += std::string(counts.empty() ? "" : ", ") + "survived " + std::to_string(k.survived) + " of " +
                std::to_string(o_.trials) + " with the " + k.what + " as the detacher returned";
    }
    counts += schedule == kRealTimeCaller
                  ? " (caller on one CPU, real-time)"
                  : " (caller on one CPU, detacher SCHED_IDLE: real-time priority not permitted)";
    for (const Kind& k : kinds) {
      if (k.survived < o_.trials) return Fail(counts + "; first loss: " + k.first_loss);
    }
    return Pass(counts);
  }

  Outcome QuickExit() {
    std::uniform_int_distribution<long> delay(0, 20);
    std::string delays;
    for (int i = 0; i < 6; ++i) {
      TrialSpec spec;
      spec.linger_ms = i < 2 ? 0 : delay(rng_);
      Trial t = Run(spec);
      std::string what = "command exiting after " + std::to_string(spec.linger_ms) + " ms: ";
      if (auto f = WhyNoCommand(t)) return Fail(what + *f);
      if (t.exit_status != 0) {
        return Fail(what + "the detacher reported failure (" + DescribeWaitStatus(t.exit_status) +
                    ") for a command that started");
      }
      if (ReportsPid() && Claims("pid-accurate") && (!t.reported || *t.reported != t.command->pid)) {
        return Fail(what + (t.reported ? "reported pid " + std::to_string(*t.reported) : "no PID reported") +
                    " but the command was " + std::to_string(t.command->pid));
      }
      if (t.zombie_hold > kZombieHold) {
        return Fail(what + DetacherRole(t, t.zombie_holder) + " held it as a zombie, idle, for " +
                    Ms(t.zombie_hold) + (t.command_gone ? "" : " (and still did)"));
      }
      delays += std::string(delays.empty() ? "" : ",") + std::to_string(spec.linger_ms);
    }
    return Pass("exits after " + delays + " ms: no zombie held by an idle process but the adopter for " +
                Ms(kZombieHold) + ", PID exact");
  }

  Outcome CleanSignals() {
    const Trial& t = Base();
    std::optional<std::string> f = WhyNoCommand(t);
    if (!f && (t.command->sigign != 0 || t.command->sigblk != 0)) {
      std::string what;
      if (t.command->sigign) what = DescribeSignalMask(t.command->sigign) + " ignored";
      if (t.command->sigblk) {
        what += (what.empty() ? "" : ", ") + DescribeSignalMask(t.command->sigblk) + " blocked";
      }
      f = "starts with " + what;
    }
    return PassUnless(f, "no ignored, no blocked signal (" + internal::CallerSignalsText() + ")");
  }

  Outcome NoLeakedFds() {
    const Trial& t = Base();
    std::optional<std::string> f = WhyNoCommand(t);
    const auto& extras = CallerExtraFds();
    if (!f) {
      std::vector<int> from_caller, other;
      for (int fd : t.command->fds) {
        if (fd <= 2) continue;
        (std::count(extras.begin(), extras.end(), fd) ? from_caller : other).push_back(fd);
      }
      if (!from_caller.empty()) {
        f = "the command holds the caller's fds " + Join(from_caller) + " (of " + Join(extras) + ")";
      }
      if (!other.empty()) {
        f = (f ? *f + " and" : std::string("the command holds")) + " fds " + Join(other) +
            " that the caller did not have";
      }
    }
    return PassUnless(f, "only 0,1,2 although the caller had inheritable fds " + Join(extras));
  }

  Outcome StdioDetached() {
    const Trial& t = Base();
    std::optional<std::string> f = WhyNoCommand(t);
    if (!f) {
      for (int fd = 0; fd < 3 && !f; ++fd) {
        const std::string& target = t.stdio_targets[static_cast<std::size_t>(fd)];
        if (target.rfind("pipe:", 0) == 0 || target.rfind("/dev/pts", 0) == 0 ||
            target.rfind("/dev/tty", 0) == 0) {
          f = "fd " + std::to_string(fd) + " is the caller's " + target +
              " (a $(...) capture would never end)";
        }
      }
    }
    return PassUnless(f, t.stdio_targets.empty() ? "" : "0,1,2 on " + t.stdio_targets[0]);
  }

  Outcome NoIntermediate() {
    const Trial& t = Base();
    std::optional<std::string> f = WhyNoCommand(t);
    if (!f && t.zombie_seen) f = "the detacher held a zombie child (an intermediate it never reaped)";
    if (!f && !t.lingering.empty()) {
      f = "process " + std::to_string(t.lingering[0]) + " (an intermediate) outlived the detacher";
    }
    return PassUnless(f, "no zombie or lingering intermediate");
  }

  Outcome PidAccurate() {
    if (!ReportsPid()) return {Status::kSkip, "the detacher reports no PID"};
    const Trial& t = Base();
    std::optional<std::string> f = WhyNoCommand(t);
    if (!f && !t.reported) f = "no PID was reported";
    if (!f && *t.reported != t.command->pid) {
      f = "reported pid " + std::to_string(*t.reported) + " but the command is pid " +
          std::to_string(t.command->pid);
    }
    return PassUnless(f, "the reported PID is the command's own");
  }

  // Faults at random moments of the detacher's run. A round counts only when
  // it exercised the claim: a command ran, or the detacher said one did (a
  // fault that lands before anything exists tests nothing). The delays span
  // the plain run's duration, so a slow machine stretches them instead of
  // hitting only the detacher's start.
  Outcome RandomFaults() {
    const Trial& base = Base();
    if (!base.command || !base.exited) {
      return Inconclusive("a plain run showed no command to time the faults by");
    }
    auto run_us =
        std::chrono::duration_cast<std::chrono::microseconds>(base.exited_at - base.started_at).count();
    const long span_us = std::max<long>(3000, static_cast<long>(run_us) * 3 / 2);
    std::mt19937 rng(o_.seed);
    auto round = [&]() -> internal::Round {
      TrialSpec spec;
      spec.after = After::kRandomFault;
      spec.settle = false;
      spec.fault_delay_us = static_cast<int>(rng() % static_cast<unsigned long>(span_us));
      const int sigs[] = {SIGKILL, SIGTERM, SIGHUP};
      spec.fault_signal = sigs[rng() % 3];
      spec.fault_on_caller = rng() % 2 == 0;
      Trial t = Run(spec);
      std::string what = std::string(spec.fault_on_caller ? "caller" : "detacher") + " got " +
                         SignalName(spec.fault_signal) + " after " + std::to_string(spec.fault_delay_us) +
                         " us: ";
      if (!t.error.empty()) return {false, what + "harness: " + t.error};
      bool claimed = t.exited && t.exit_status == 0;
      if (!t.command && !claimed) return {};  // the fault landed before any command existed
      if (!t.command) {
        return {true, what +
                          (t.reported && ReportsPid() ? "reported pid " + std::to_string(*t.reported)
                                                      : std::string("exit 0")) +
                          " but no command ran"};
      }
      if (!t.command_alive) return {true, what + "the command died"};
      if (Claims("new-session") && t.command->sid == t.caller) {
        return {true, what + "the command stayed in the caller's session"};
      }
      if (claimed && t.reported && ReportsPid() && Claims("pid-accurate") && *t.reported != t.command->pid) {
        return {true, what + "reported pid " + std::to_string(*t.reported) + " but the command is " +
                          std::to_string(t.command->pid)};
      }
      return {true, std::nullopt};
    };
    return internal::DrawRounds(o_.rounds, round, [&] {
      return "(seed " + std::to_string(o_.seed) + ", faults 0-" + std::to_string(span_us) +
             " us into the run)";
    });
  }

  const Description& d_;
  const SuiteOptions& o_;
  std::mt19937 rng_;
  std::optional<Trial> base_;
};

}  // namespace

const std::vector<int>& CallerExtraFds() {
  static const std::vector<int> fds = {7, 8, 9, 20, 1000};
  return fds;
}

const char* StatusName(Status s) {
  switch (s) {
    case Status::kPass:
      return "PASS";
    case Status::kFail:
      return "FAIL";
    case Status::kSkip:
      return "SKIP";
    case Status::kInconclusive:
      return "INCONCLUSIVE";
  }
  return "?";
}

bool AnyFailure(const std::vector<Verdict>& v) {
  return std::any_of(v.begin(), v.end(), [](const Verdict& x) { return x.status == Status::kFail; });
}

bool AnyInconclusive(const std::vector<Verdict>& v) {
  return std::any_of(v.begin(), v.end(), [](const Verdict& x) { return x.status == Status::kInconclusive; });
}

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  if (abbrev != nullptr) return std::string("SIG") + abbrev;
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) return "SIGRTMIN+" + std::to_string(sig - SIGRTMIN);
  return "signal " + std::to_string(sig);  // glibc's own 32 and 33
}

std::string DescribeWaitStatus(int status) {
  if (status < 0) return "unknown";
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by " + SignalName(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

std::string DescribeSignalMask(unsigned long long mask) {
  std::string s;
  for (int sig = 1; sig <= 64; ++sig) {
    if (mask & (1ull << (sig - 1))) s += (s.empty() ? "" : " ") + SignalName(sig);
  }
  return s;
}

std::string CheckRunnable(const Description& d, const SuiteOptions& o) {
  if (d.mode == Mode::kCli) {
    bool names_command =
        std::any_of(d.template_words.begin(), d.template_words.end(), [](const std::string& w) {
          for (const char* p : {"{cmd}", "{abs_cmd}", "{cmdline}", "{program}", "{abs_program}"}) {
            if (w.find(p) != std::string::npos) return true;
          }
          return false;
        });
    if (!names_command) {
      return "the template never names the command: it needs {cmd}, {abs_cmd}, {cmdline}, {program} or "
             "{abs_program}";
    }
  }
  CommandSpec c;
  c.program = c.abs_program = o.probe;
  c.args = o.probe_args;
  c.pidfile = "/tmp/x.pid";
  auto argv = Expand(d, c, o.defines);
  if (!argv.ok()) return argv.error().Message();
  const std::string& program = argv->front();
  if (program.find('/') != std::string::npos) {
    if (access(program.c_str(), X_OK) != 0) return "program " + program + ": " + strerror(errno);
    return "";
  }
  const char* path = getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (std::size_t b = 0; b <= dirs.size();) {
    std::size_t e = dirs.find(':', b);
    if (e == std::string::npos) e = dirs.size();
    std::string dir = e == b ? "." : dirs.substr(b, e - b);
    if (access((dir + "/" + program).c_str(), X_OK) == 0) return "";
    b = e + 1;
  }
  return "program " + program + ": not found on PATH";
}

std::string CheckPlainRun(const Description& d, const SuiteOptions& o) {
  if (d.mode == Mode::kServer) return internal::CheckServerPlainRun(d, o);
  Trial t = RunTrial(d, o, {});
  if (auto f = WhyNoCommand(t)) return "a plain run: " + *f;
  // The probe reported, so its --report arrived; the rest must be intact too.
  std::vector<std::string> want = o.probe_args;
  want.insert(want.end(), {"--report", "", "--linger-ms", std::to_string(TrialSpec{}.linger_ms)});
  std::vector<std::string> got(t.cmdline.empty() ? t.cmdline.end() : t.cmdline.begin() + 1, t.cmdline.end());
  auto report = std::find(got.begin(), got.end(), "--report");
  if (report != got.end() && report + 1 != got.end()) (report + 1)->clear();  // a path of the trial's own
  if (got != want) {
    return "a plain run: the command ran with other arguments than the suite gave (" +
           reap_text::JoinWords(got) + ")";
  }
  return "";
}

std::vector<Verdict> RunSuite(const Description& d, const SuiteOptions& o) {
  if (d.mode == Mode::kServer) return internal::RunServerSuite(d, o);
  Suite suite(d, o);
  return suite.Run();
}

}  // namespace reap_conformance
