#include "testing/scenario.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "reap/detach.h"
#include "reap/identity.h"
#include "reap/observe.h"
#include "reap/proc.h"
#include "testing/faults.h"
#include "testing/invariants.h"
#include "testing/world.h"

namespace reap_testing {
namespace {

using Clock = std::chrono::steady_clock;

// REAP_HARNESS_TRACE=1 prints how long each phase of a scenario took.
struct Trace {
  Clock::time_point start = Clock::now();
  Clock::time_point last = start;
  bool on = getenv("REAP_HARNESS_TRACE") != nullptr;
  void Mark(const char* phase) {
    auto now = Clock::now();
    if (on) {
      fprintf(
          stderr, "  %-12s %6lld us\n", phase,
          static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(now - last).count()));
    }
    last = now;
  }
};

// The deadlines of one scenario, in one place. Every wait is bounded, and
// each of H's waits is shorter than the deadline of the process it waits
// for, so a stuck scenario is ended by H (its clean-up kills whatever is
// left) and never by G or P giving up first and changing what H observes.
namespace deadline {
// H, the harness:
constexpr Millis kParentAppears{2000};       // G has forked P (P's pid file exists)
constexpr Millis kPointReached{10000};       // a process stops at the planned fault point
constexpr Millis kSeenStopped{5000};         // that process shows state T
constexpr Millis kCallerResult{15000};       // P writes its result, or dies
constexpr Millis kReportDue{5000};           // C's report, when P said ok
constexpr Millis kReportLate{100};           // a late report of C, otherwise
constexpr Millis kTreeExits{10000};          // G, then P, exit once released
constexpr Millis kAdopted{3000};             // a lingering C's parent becomes the adopter
constexpr Millis kFaultTakesEffect{5};       // a fault aimed at C acts on it
constexpr Millis kCommandReaped{5000};       // a short-lived C exits and is reaped
constexpr Millis kOnlyCommandLeft{3000};     // everything but C is gone
constexpr Millis kCleanUp{10000};            // SIGKILL until nothing is left
constexpr Millis kLongRunResults{30000};     // the long-running P reports all its detaches
constexpr Millis kAllCommandsReaped{10000};  // the adopter reaps all of them
constexpr Millis kLastKill{2000};            // what is left dies after SIGKILL
// P, the caller:
constexpr Millis kCliRun{20000};   // reaper finishes (it may sit at a fault point)
constexpr Millis kRelease{20000};  // H writes the release file
// G, the grandparent:
constexpr Millis kParentExits{30000};  // P exits

static_assert(kParentExits > kCliRun && kParentExits > kRelease, "G outwaits P");
static_assert(kCliRun > kCallerResult, "H gives up on P's result before P gives up on reaper");
static_assert(kRelease > kReportDue && kRelease > kCommandReaped,
              "P waits for its release longer than H's waits");

// "10 s", for messages that name a deadline.
std::string Text(Millis d) { return std::to_string(d.count() / 1000) + " s"; }
}  // namespace deadline

const char* TargetName(Target t) {
  switch (t) {
    case Target::kNone:
      return "none";
    case Target::kGrandparent:
      return "grandparent";
    case Target::kParent:
      return "parent";
    case Target::kIntermediate:
      return "intermediate";
    case Target::kCommand:
      return "command";
    case Target::kParentGroup:
      return "parent-group";
    case Target::kSessionHangup:
      return "session-hangup";
  }
  return "?";
}

const char* WhenName(When w) {
  switch (w) {
    case When::kDelay:
      return "delay";
    case When::kBeforeFirstClone:
      return "before_first_clone";
    case When::kIntermediateBeforeClone:
      return "intermediate_before_clone";
    case When::kChildBeforeExec:
      return "child_before_exec";
    case When::kAfterExecBeforeReport:
      return "after_exec_before_report";
    case When::kBeforeReturn:
      return "before_return";
    case When::kAfterReturn:
      return "after_return";
  }
  return "?";
}

const char* ProbeName(ProbeMode m) {
  switch (m) {
    case ProbeMode::kLinger:
      return "linger";
    case ProbeMode::kExitNow:
      return "exit-now";
    case ProbeMode::kExitAfterDelay:
      return "exit-after-delay";
    case ProbeMode::kIgnoreTerm:
      return "ignore-term";
  }
  return "?";
}

// Library fault point for a schedule, kCount when the point is not one.
reap::internal::FaultPoint LibraryPoint(When w) {
  using FP = reap::internal::FaultPoint;
  switch (w) {
    case When::kBeforeFirstClone:
      return FP::kBeforeFirstClone;
    case When::kIntermediateBeforeClone:
      return FP::kIntermediateBeforeClone;
    case When::kChildBeforeExec:
      return FP::kChildBeforeExec;
    case When::kAfterExecBeforeReport:
      return FP::kAfterExecBeforeReport;
    case When::kBeforeReturn:
      return FP::kBeforeReturn;
    default:
      return FP::kCount;
  }
}

void WriteAtomic(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  ssize_t w = write(fd, text.data(), text.size());
  (void)w;
  close(fd);
  rename(tmp.c_str(), path.c_str());
}

// The files of one scenario, in a fresh directory; H removes them when done
// (G and P end with _exit, which runs no destructor).
struct Paths {
  std::string dir = TempDir();
  std::string report = dir + "/c_report";
  std::string result = dir + "/p_result";
  std::string faults = dir + "/faults";
  std::string release = dir + "/release";
  std::string p_pid = dir + "/p_pid";
  Paths() { close(open(report.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644)); }
  Paths(const Paths&) = delete;
  Paths& operator=(const Paths&) = delete;
  ~Paths() {
    for (const auto& f : {report, result, faults, release, p_pid}) unlink(f.c_str());
    rmdir(dir.c_str());
  }
};

std::vector<std::string> ProbeArgs(const Schedule& s, const Paths& paths) {
  std::vector<std::string> a = {"--report", paths.report, "--linger-ms"};
  switch (s.probe) {
    case ProbeMode::kLinger:
      a.push_back("20000");
      break;
    case ProbeMode::kExitNow:
      a.push_back("0");
      break;
    case ProbeMode::kExitAfterDelay:
      a.push_back(std::to_string(s.probe_ms));
      break;
    case ProbeMode::kIgnoreTerm:
      a.push_back("20000");
      a.push_back("--ignore-term");
      break;
  }
  return a;
}

// What P learned from its detach, as P writes it for H: one line,
// "ok|error|unknown PID START_TIME CHILDREN ZOMBIES FDS_BEFORE FDS_AFTER ERROR".
// unknown: reaper itself was killed, so P never learned the result.
struct CallerLine {
  enum class Status { kOk, kError, kUnknown };
  Status status = Status::kUnknown;
  CallerResult result;

  std::string Serialize() const {
    static const char* const kWords[] = {"ok", "error", "unknown"};
    std::ostringstream os;
    os << kWords[static_cast<int>(status)] << " " << result.pid << " " << result.start_time << " "
       << result.children_after << " " << result.zombies_after << " " << result.fds_before << " "
       << result.fds_after << " " << result.error;
    return os.str();
  }
  static std::optional<CallerLine> Parse(const std::string& text) {
    std::istringstream in(text);
    std::string word;
    CallerLine line;
    CallerResult& r = line.result;
    if (!(in >> word >> r.pid >> r.start_time >> r.children_after >> r.zombies_after >> r.fds_before >>
          r.fds_after)) {
      return std::nullopt;
    }
    if (word == "ok") {
      line.status = Status::kOk;
    } else if (word == "error") {
      line.status = Status::kError;
    } else if (word != "unknown") {
      return std::nullopt;
    }
    r.ok = line.status == Status::kOk;
    std::getline(in, r.error);
    if (!r.error.empty() && r.error[0] == ' ') r.error.erase(0, 1);
    return line;
  }
};

// P's line right after its detach returned, with its children counted now.
CallerLine Returned(bool ok, pid_t pid, std::uint64_t start, const std::string& error, int fds_before,
                    int fds_after) {
  CallerLine line;
  line.status = ok ? CallerLine::Status::kOk : CallerLine::Status::kError;
  CallerResult& r = line.result;
  r.ok = ok;
  r.pid = pid;
  r.start_time = start;
  r.error = error;
  r.fds_before = fds_before;
  r.fds_after = fds_after;
  for (pid_t c : reap::ListChildren(getpid())) {
    ++r.children_after;
    auto st = reap::ReadProcStat(c);
    if (st.ok() && st->state == 'Z') ++r.zombies_after;
  }
  return line;
}

// Detaches through the CLI: runs reaper --json and reads its stdout.
CallerLine DetachViaCli(const ScenarioConfig& cfg, const std::string& program,
                        const std::vector<std::string>& args, const std::string& plan) {
  std::vector<std::string> argv = {cfg.reaper, "--json", "--", program};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> env_extra;
  if (!plan.empty()) env_extra.push_back(std::string(FaultPlanEnvName()) + "=" + plan);
  int fds_before = static_cast<int>(reap::ListFds(getpid())->size());
  // reaper may be stopped at a fault point until the test releases it; the
  // deadline only bounds a harness that never does.
  RunResult r = Run(argv, deadline::kCliRun, env_extra);
  int fds_after = static_cast<int>(reap::ListFds(getpid())->size());
  auto field = [&](const char* key) -> long long {
    std::size_t at = r.out.find(key);
    return at == std::string::npos ? -1 : std::atoll(r.out.c_str() + at + std::strlen(key));
  };
  if (r.exit_code == 0 && field("\"pid\":") > 0) {
    return Returned(true, static_cast<pid_t>(field("\"pid\":")),
                    static_cast<std::uint64_t>(field("\"start_time\":")), "", fds_before, fds_after);
  }
  if (r.signal != 0 && !r.timed_out) {
    // reaper itself was killed: whatever it started, nobody can tell P.
    // That is "P never learned the result", not an error.
    return CallerLine{};
  }
  std::string why = r.timed_out       ? "reaper did not finish within " + deadline::Text(deadline::kCliRun)
                    : r.exit_code < 0 ? "cannot run reaper: " + r.err
                                      : "reaper exit " + std::to_string(r.exit_code);
  if (r.exit_code > 0 && !r.err.empty()) why += ": " + r.err.substr(0, r.err.find('\n'));
  return Returned(false, 0, 0, why, fds_before, fds_after);
}

CallerLine DetachViaLibrary(const std::string& program, const std::vector<std::string>& args) {
  reap::Command c;
  c.program = program;
  c.args = args;
  int fds_before = static_cast<int>(reap::ListFds(getpid())->size());
  auto id = reap::Detach(c);
  int fds_after = static_cast<int>(reap::ListFds(getpid())->size());
  if (id.ok()) return Returned(true, id->pid, id->start_time, "", fds_before, fds_after);
  return Returned(false, 0, 0, id.error().ToString(), fds_before, fds_after);
}

void AwaitRelease(const Paths& paths) {
  auto end = Clock::now() + deadline::kRelease;
  while (!Exists(paths.release) && Clock::now() < end) std::this_thread::sleep_for(Millis(1));
}

[[noreturn]] void ParentMain(const Schedule& s, const ScenarioConfig& cfg, const Paths& paths) {
  WriteAtomic(paths.p_pid, std::to_string(getpid()));
  // Inheritable fds a leaking detacher would hand to the command.
  for (int i = 0; i < 3; ++i) open("/dev/null", O_RDONLY);
  std::string program = s.nonexistent ? paths.dir + "/no-such-program" : cfg.probe;
  std::vector<std::string> args = ProbeArgs(s, paths);
  auto point = LibraryPoint(s.when);
  CallerLine line;
  if (cfg.via == Via::kLibrary) {
    SetFaultPlan(point, paths.faults.c_str());
    line = DetachViaLibrary(program, args);
  } else {
    SetFaultPlan(reap::internal::FaultPoint::kCount, paths.faults.c_str());  // log for after_return
    std::string plan;
    if (point != reap::internal::FaultPoint::kCount) {
      plan = std::string(reap::internal::FaultPointName(point)) + ":" + paths.faults;
    }
    line = DetachViaCli(cfg, program, args, plan);
  }
  WriteAtomic(paths.result, line.Serialize());
  if (s.when == When::kAfterReturn) StopAndLog("after_return");
  AwaitRelease(paths);
  _exit(0);
}

[[noreturn]] void GrandparentMain(const Schedule& s, const ScenarioConfig& cfg, const Paths& paths) {
  setsid();  // P's session and group are G's, never the test's
  pid_t p = fork();
  if (p == 0) ParentMain(s, cfg, paths);
  auto end = Clock::now() + deadline::kParentExits;
  while (Clock::now() < end) {
    pid_t r = waitpid(p, nullptr, WNOHANG);
    if (r == p || (r < 0 && errno != EINTR)) break;
    std::this_thread::sleep_for(Millis(1));
  }
  _exit(0);
}

pid_t ReadPid(const std::string& path) {
  std::string t = ReadAll(path);
  return t.empty() ? 0 : static_cast<pid_t>(std::atoi(t.c_str()));
}

}  // namespace

std::ostream& operator<<(std::ostream& os, Via v) { return os << (v == Via::kLibrary ? "library" : "cli"); }

std::ostream& operator<<(std::ostream& os, const Schedule& s) {
  os << "{target=" << TargetName(s.target) << " signal=" << s.signal << " when=" << WhenName(s.when);
  if (s.when == When::kDelay) os << " delay_us=" << s.delay_us;
  os << " probe=" << ProbeName(s.probe);
  if (s.probe == ProbeMode::kExitAfterDelay) os << " probe_ms=" << s.probe_ms;
  if (s.nonexistent) os << " nonexistent";
  return os << "}";
}

namespace {

// One scenario as H runs it, one method per phase (RunScenario lists them in
// order). H forks G, G forks P, P detaches C (through I); H injects the
// fault, collects what P and C report, releases G and P, watches C, then
// cleans up and checks the invariants over its observations.
class ScenarioRun {
 public:
  ScenarioRun(const Schedule& s, const ScenarioConfig& cfg) : s_(s), cfg_(cfg) {
    obs_.adopter = getpid();
    obs_.world_session = getsid(0);
    obs_.expect_exec_failure = s.nonexistent;
    obs_.command_should_live = s.probe == ProbeMode::kLinger || s.probe == ProbeMode::kIgnoreTerm;
    obs_.command_should_exit_cleanly = !obs_.command_should_live;
  }

  // Forks G (who forks P). False if it cannot.
  bool StartTree() {
    g_ = fork();
    if (g_ < 0) return false;
    if (g_ == 0) GrandparentMain(s_, cfg_, paths_);
    obs_.caller_session = g_;
    obs_.caller_pgid = g_;
    obs_.other_pids.insert(g_);
    return true;
  }

  // After a delay, or once a process stopped at the planned fault point.
  void InjectFault() {
    if (s_.when == When::kDelay) {
      std::this_thread::sleep_for(std::chrono::microseconds(s_.delay_us));
      Deliver();
    } else {
      AwaitFaultPoint();
    }
    trace_.Mark("fault");
    // Whether the fault could explain an error P reports: it hit P, I, C or
    // P's group/session before P had its result (checked before the kill: P
    // writes its result microseconds after a killed intermediate releases it).
    obs_.fault_could_fail = delivered_ && !result_before_fault_ && s_.target != Target::kGrandparent &&
                            s_.target != Target::kNone;
  }

  // P's result, or P's death.
  void CollectCallerResult() {
    p_ = AwaitParent();
    if (p_ != 0) obs_.other_pids.insert(p_);
    PollReaping(
        &reaps_, [&] { return Exists(paths_.result) || p_ == 0 || !PidIsRunning(p_); },
        deadline::kCallerResult);
    if (Exists(paths_.result)) {
      auto line = CallerLine::Parse(ReadAll(paths_.result));
      if (!line) {
        harness_.push_back("harness: unreadable result: " + ReadAll(paths_.result));
      } else if (line->status != CallerLine::Status::kUnknown) {
        obs_.caller = line->result;
      }
    }
    trace_.Mark("result");
  }

  // C's report: waited for when it must come; otherwise a late one is noted.
  void CollectCommandReport() {
    bool due = obs_.caller && obs_.caller->ok && !obs_.command_targeted;
    PollReaping(
        &reaps_, [&] { return ReadProbeReport(paths_.report).has_value(); },
        due ? deadline::kReportDue : deadline::kReportLate);
    obs_.command = ReadProbeReport(paths_.report);
    c_ = obs_.command ? obs_.command->pid : 0;
    trace_.Mark("report");
  }

  // Lets G and P finish; every fault has been delivered by now.
  void ReleaseTree() {
    WriteAtomic(paths_.release, "go");
    for (pid_t x : Descendants(getpid())) kill(x, SIGCONT);
    PollReaping(
        &reaps_, [&] { return reaps_.Has(g_); }, deadline::kTreeExits);
    if (p_ != 0) {
      PollReaping(
          &reaps_, [&] { return !PidIsRunning(p_); }, deadline::kTreeExits);
    }
    trace_.Mark("release");
  }

  // Whether C was adopted, and lives or exits as told.
  void ObserveCommand() {
    if (c_ == 0) {
      // No report at CollectCommandReport's short look (its caller had no
      // result: killed, say, while the chain was stopped). Released, the
      // chain may still start C, later on a busy machine: wait for its
      // report while any process of the scenario is left to write it, so
      // that a C that reports late is judged as C, not as a leftover.
      PollReaping(
          &reaps_,
          [&] { return ReadProbeReport(paths_.report).has_value() || Descendants(getpid()).empty(); },
          deadline::kOnlyCommandLeft);
      obs_.command = ReadProbeReport(paths_.report);
      c_ = obs_.command ? obs_.command->pid : 0;
    }
    if (c_ != 0) {
      if (obs_.command_should_live) {
        obs_.command_reparented = PollReaping(
            &reaps_,
            [&] {
              auto st = reap::ReadProcStat(c_);
              return reaps_.Has(c_) || (st.ok() && st->ppid == getpid());
            },
            deadline::kAdopted);
        std::this_thread::sleep_for(deadline::kFaultTakesEffect);
        reaps_.Collect();
        obs_.command_alive_at_end = !reaps_.Has(c_) && PidIsRunning(c_);
      } else {
        PollReaping(
            &reaps_, [&] { return reaps_.Has(c_); }, deadline::kCommandReaped);
        obs_.command_reparented = reaps_.Has(c_);
      }
      if (reaps_.Has(c_)) obs_.command_status = reaps_.status[c_];
    }
    trace_.Mark("command");
  }

  // Nothing but C may remain: anything else is a leftover or a zombie.
  void ObserveLeftovers() {
    PollReaping(
        &reaps_,
        [&] {
          auto d = Descendants(getpid());
          return std::all_of(d.begin(), d.end(), [&](pid_t x) { return x == c_; });
        },
        deadline::kOnlyCommandLeft);
    for (pid_t x : Descendants(getpid())) {
      if (x == c_) continue;
      auto st = reap::ReadProcStat(x);
      if (st.ok() && st->state == 'Z' && st->ppid != getpid()) {
        obs_.zombies_at_end.push_back(x);
      } else {
        obs_.leftovers.push_back(x);
      }
    }
    trace_.Mark("leftovers");
  }

  // Kills and reaps everything of the scenario, whatever happened.
  void CleanUp() {
    if (!KillAllDescendants(&reaps_, deadline::kCleanUp)) harness_.push_back("harness: could not clean up");
    trace_.Mark("cleanup");
    if (trace_.on) {
      std::ostringstream os;
      os << s_;
      fprintf(stderr, "TOTAL %lld ms %s\n",
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - trace_.start).count()),
              os.str().c_str());
    }
  }

  // The violated invariants, then the harness's own problems.
  std::vector<std::string> Verdict() const {
    std::vector<std::string> out = CheckInvariants(obs_);
    out.insert(out.end(), harness_.begin(), harness_.end());
    return out;
  }

 private:
  // P's pid once G has forked it; 0 if it never will (G died first: G is
  // reaped and nothing of the scenario is left).
  pid_t AwaitParent() {
    PollReaping(
        &reaps_,
        [&] { return ReadPid(paths_.p_pid) != 0 || (reaps_.Has(g_) && Descendants(getpid()).empty()); },
        deadline::kParentAppears);
    return ReadPid(paths_.p_pid);
  }

  // Waits for the process that reaches the planned point to stop there,
  // delivers the fault and lets it go on.
  void AwaitFaultPoint() {
    bool reached = PollReaping(
        &reaps_,
        [&] {
          if (!ReadAll(paths_.faults).empty()) return true;
          if (s_.when != When::kAfterReturn && Exists(paths_.result)) return true;  // passed without reaching
          pid_t p = ReadPid(paths_.p_pid);
          return p != 0 && !PidIsRunning(p) && Exists(paths_.p_pid);
        },
        deadline::kPointReached);
    std::istringstream log(ReadAll(paths_.faults));
    log >> stopped_point_ >> stopped_;
    if (!reached)
      harness_.push_back("harness: nothing happened within " + deadline::Text(deadline::kPointReached));
    if (stopped_ <= 0) return;
    if (stopped_point_ != "child_before_exec") obs_.other_pids.insert(stopped_);
    bool is_stopped = PollReaping(
        &reaps_,
        [&] {
          auto st = reap::ReadProcStat(stopped_);
          return !st.ok() || st->state == 'T' || st->state == 't';
        },
        deadline::kSeenStopped);
    if (!is_stopped) harness_.push_back("harness: pid at fault point never stopped");
    Deliver();
    kill(stopped_, SIGCONT);
  }

  // The processes the schedule's target names, right now.
  std::vector<pid_t> Victims() {
    switch (s_.target) {
      case Target::kNone:
      case Target::kParentGroup:
        return {};
      case Target::kGrandparent:
        return {g_};
      case Target::kParent:
        return {AwaitParent()};
      case Target::kIntermediate:
        if (pid_t p = AwaitParent()) return reap::ListChildren(p);
        return {};
      case Target::kCommand:
        obs_.command_targeted = true;
        if (stopped_point_ == "child_before_exec") return {stopped_};
        if (auto r = ReadProbeReport(paths_.report)) return {r->pid};
        return {};
      case Target::kSessionHangup:
        return DescendantsInSession(g_);
    }
    return {};
  }

  // Sends the schedule's signal to its target.
  void Deliver() {
    result_before_fault_ = Exists(paths_.result);
    if (s_.target == Target::kParentGroup) {
      kill(-g_, s_.signal);
      delivered_ = true;
      return;
    }
    int sig = s_.target == Target::kSessionHangup ? SIGHUP : s_.signal;
    for (pid_t v : Victims()) {
      if (v <= 0) continue;
      if (s_.target == Target::kIntermediate) obs_.other_pids.insert(v);
      kill(v, sig);
      delivered_ = true;
    }
  }

  const Schedule& s_;
  const ScenarioConfig& cfg_;
  Paths paths_;
  Reaps reaps_;
  Observation obs_;
  std::vector<std::string> harness_;  // problems of the harness itself
  Trace trace_;
  pid_t g_ = 0, p_ = 0, c_ = 0;  // G, P and C (0: not known)
  pid_t stopped_ = 0;            // the process stopped at the fault point
  std::string stopped_point_;
  bool delivered_ = false;
  bool result_before_fault_ = false;  // P already knew its result when hit
};

}  // namespace

std::vector<std::string> RunScenario(const Schedule& s, const ScenarioConfig& cfg) {
  ScenarioRun run(s, cfg);
  if (!run.StartTree()) return {"harness: fork failed"};
  run.InjectFault();
  run.CollectCallerResult();
  run.CollectCommandReport();
  run.ReleaseTree();
  run.ObserveCommand();
  run.ObserveLeftovers();
  run.CleanUp();
  return run.Verdict();
}

std::vector<std::string> RunLongRunningParent(const std::vector<int>& lifetimes_ms,
                                              const ScenarioConfig& cfg) {
  Paths paths;
  Reaps reaps;
  pid_t p = fork();
  if (p < 0) return {"harness: fork failed"};
  if (p == 0) {
    // P: detach every command, checking after each that it holds no child.
    std::ostringstream out;
    int zombie_moments = 0, failures = 0;
    for (int ms : lifetimes_ms) {
      std::vector<std::string> args = {"--linger-ms", std::to_string(ms)};
      CallerLine line = cfg.via == Via::kLibrary ? DetachViaLibrary(cfg.probe, args)
                                                 : DetachViaCli(cfg, cfg.probe, args, "");
      const CallerResult& r = line.result;
      if (line.status != CallerLine::Status::kOk) {
        ++failures;
        continue;
      }
      if (r.children_after != 0 || r.zombies_after != 0) ++zombie_moments;
      out << r.pid << " ";
    }
    WriteAtomic(paths.result,
                std::to_string(failures) + " " + std::to_string(zombie_moments) + " " + out.str());
    AwaitRelease(paths);
    _exit(0);
  }
  std::vector<std::string> v;
  PollReaping(
      &reaps, [&] { return Exists(paths.result) || reaps.Has(p); }, deadline::kLongRunResults);
  std::istringstream in(ReadAll(paths.result));
  int failures = -1, zombie_moments = -1;
  in >> failures >> zombie_moments;
  std::set<pid_t> commands;
  for (pid_t x; in >> x;) commands.insert(x);
  if (failures != 0) v.push_back("harness: " + std::to_string(failures) + " detaches failed");
  if (zombie_moments != 0) {
    v.push_back("1. no zombies: the long-running caller held a child after " +
                std::to_string(zombie_moments) + " detaches");
  }
  if (commands.size() != lifetimes_ms.size() - static_cast<std::size_t>(std::max(failures, 0))) {
    v.push_back("3. accuracy: " + std::to_string(commands.size()) + " distinct pids for " +
                std::to_string(lifetimes_ms.size()) + " detaches");
  }
  // The adopter reaps every command while P lives on.
  bool all = PollReaping(
      &reaps,
      [&] { return std::all_of(commands.begin(), commands.end(), [&](pid_t x) { return reaps.Has(x); }); },
      deadline::kAllCommandsReaped);
  if (!all) {
    v.push_back("1. no zombies: the adopter did not reap every command within " +
                deadline::Text(deadline::kAllCommandsReaped));
  }
  for (pid_t x : commands) {
    if (reaps.Has(x) && !(WIFEXITED(reaps.status[x]) && WEXITSTATUS(reaps.status[x]) == 0)) {
      v.push_back("4. survival: command " + std::to_string(x) + " did not exit cleanly");
    }
  }
  WriteAtomic(paths.release, "go");
  PollReaping(
      &reaps, [&] { return reaps.Has(p); }, deadline::kTreeExits);
  KillAllDescendants(&reaps, deadline::kLastKill);
  return v;
}

}  // namespace reap_testing
