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

struct Paths {
  std::string dir, report, result, faults, release, p_pid;
};

Paths MakePaths() {
  Paths p;
  p.dir = TempDir();
  p.report = p.dir + "/c_report";
  p.result = p.dir + "/p_result";
  p.faults = p.dir + "/faults";
  p.release = p.dir + "/release";
  p.p_pid = p.dir + "/p_pid";
  close(open(p.report.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  return p;
}

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

std::string ResultLine(bool ok, pid_t pid, std::uint64_t start, const std::string& error, int fds_before,
                       int fds_after) {
  int children = 0, zombies = 0;
  for (pid_t c : reap::ListChildren(getpid())) {
    ++children;
    auto st = reap::ReadProcStat(c);
    if (st.ok() && st->state == 'Z') ++zombies;
  }
  std::ostringstream os;
  os << (ok ? "ok" : "err") << " " << pid << " " << start << " " << children << " " << zombies << " "
     << fds_before << " " << fds_after << " " << error;
  return os.str();
}

std::optional<CallerResult> ParseResult(const std::string& text) {
  std::istringstream in(text);
  std::string status;
  CallerResult r;
  if (!(in >> status >> r.pid >> r.start_time >> r.children_after >> r.zombies_after >> r.fds_before >>
        r.fds_after)) {
    return std::nullopt;
  }
  r.ok = status == "ok";
  std::getline(in, r.error);
  return r;
}

// Detaches through the CLI: runs reaper --json and reads its stdout.
std::string DetachViaCli(const ScenarioConfig& cfg, const std::string& program,
                         const std::vector<std::string>& args, const std::string& plan) {
  std::vector<std::string> argv = {cfg.reaper, "--json", "--", program};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> env_extra;
  if (!plan.empty()) env_extra.push_back(std::string(FaultPlanEnvName()) + "=" + plan);
  int fds_before = static_cast<int>(reap::ListFds(getpid())->size());
  // reaper may be stopped at a fault point until the test releases it; the
  // deadline only bounds a harness that never does.
  RunResult r = Run(argv, Millis(20000), env_extra);
  int fds_after = static_cast<int>(reap::ListFds(getpid())->size());
  auto field = [&](const char* key) -> long long {
    std::size_t at = r.out.find(key);
    return at == std::string::npos ? -1 : std::atoll(r.out.c_str() + at + std::strlen(key));
  };
  if (r.exit_code == 0 && field("\"pid\":") > 0) {
    return ResultLine(true, static_cast<pid_t>(field("\"pid\":")),
                      static_cast<std::uint64_t>(field("\"start_time\":")), "", fds_before, fds_after);
  }
  if (r.signal != 0 && !r.timed_out) {
    // reaper itself was killed: whatever it started, nobody can tell P.
    // That is "P never learned the result", not an error.
    return "unknown";
  }
  std::string why = r.timed_out       ? "reaper did not finish within 20 s"
                    : r.exit_code < 0 ? "cannot run reaper: " + r.err
                                      : "reaper exit " + std::to_string(r.exit_code);
  if (r.exit_code > 0 && !r.err.empty()) why += ": " + r.err.substr(0, r.err.find('\n'));
  return ResultLine(false, 0, 0, why, fds_before, fds_after);
}

std::string DetachViaLibrary(const std::string& program, const std::vector<std::string>& args) {
  reap::Command c;
  c.program = program;
  c.args = args;
  int fds_before = static_cast<int>(reap::ListFds(getpid())->size());
  auto id = reap::Detach(c);
  int fds_after = static_cast<int>(reap::ListFds(getpid())->size());
  if (id.ok()) return ResultLine(true, id->pid, id->start_time, "", fds_before, fds_after);
  return ResultLine(false, 0, 0, id.error().ToString(), fds_before, fds_after);
}

void AwaitRelease(const Paths& paths) {
  auto end = Clock::now() + std::chrono::seconds(20);
  while (!Exists(paths.release) && Clock::now() < end) std::this_thread::sleep_for(Millis(1));
}

[[noreturn]] void ParentMain(const Schedule& s, const ScenarioConfig& cfg, const Paths& paths) {
  WriteAtomic(paths.p_pid, std::to_string(getpid()));
  // Inheritable fds a leaking detacher would hand to the command.
  for (int i = 0; i < 3; ++i) open("/dev/null", O_RDONLY);
  std::string program = s.nonexistent ? paths.dir + "/no-such-program" : cfg.probe;
  std::vector<std::string> args = ProbeArgs(s, paths);
  auto point = LibraryPoint(s.when);
  std::string line;
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
  WriteAtomic(paths.result, line);
  if (s.when == When::kAfterReturn) StopAndLog("after_return");
  AwaitRelease(paths);
  _exit(0);
}

[[noreturn]] void GrandparentMain(const Schedule& s, const ScenarioConfig& cfg, const Paths& paths) {
  setsid();  // P's session and group are G's, never the test's
  pid_t p = fork();
  if (p == 0) ParentMain(s, cfg, paths);
  auto end = Clock::now() + std::chrono::seconds(30);
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

std::optional<ProbeReport> ReadReport(const std::string& path) {
  std::string t = ReadAll(path);
  std::size_t nl = t.find('\n');
  if (nl == std::string::npos) return std::nullopt;
  return ParseProbeReport(t.substr(0, nl));
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

std::vector<std::string> RunScenario(const Schedule& s, const ScenarioConfig& cfg) {
  Paths paths = MakePaths();
  Reaps reaps;
  Observation obs;
  obs.adopter = getpid();
  obs.world_session = getsid(0);
  std::vector<std::string> harness;
  Trace trace;

  pid_t g = fork();
  if (g < 0) return {"harness: fork failed"};
  if (g == 0) GrandparentMain(s, cfg, paths);
  obs.caller_session = g;
  obs.caller_pgid = g;
  obs.other_pids.insert(g);

  auto p_pid = [&] { return ReadPid(paths.p_pid); };
  // Waits (bounded) for P to exist; 0 if it never did.
  // Waits (bounded) for P to exist; 0 if it never will (G died before
  // forking it: G is reaped and nothing of the scenario is left).
  auto await_p = [&] {
    PollReaping(
        &reaps, [&] { return p_pid() != 0 || (reaps.Has(g) && Descendants(getpid()).empty()); },
        Millis(2000));
    return p_pid();
  };

  pid_t stopped = 0;
  std::string stopped_point;
  bool delivered = false;
  bool result_before_fault = false;  // P already knew its result when hit
  auto deliver = [&] {
    result_before_fault = Exists(paths.result);
    std::vector<pid_t> victims;
    int sig = s.signal;
    switch (s.target) {
      case Target::kNone:
        return;
      case Target::kGrandparent:
        victims = {g};
        break;
      case Target::kParent:
        victims = {await_p()};
        break;
      case Target::kIntermediate:
        if (pid_t p = await_p()) victims = reap::ListChildren(p);
        break;
      case Target::kCommand:
        if (stopped_point == "child_before_exec") {
          victims = {stopped};
        } else if (auto r = ReadReport(paths.report)) {
          victims = {r->pid};
        }
        obs.command_targeted = true;
        break;
      case Target::kParentGroup:
        kill(-g, sig);
        delivered = true;
        return;
      case Target::kSessionHangup:
        sig = SIGHUP;
        for (pid_t pid : Descendants(getpid())) {
          auto st = reap::ReadProcStat(pid);
          if (st.ok() && st->session == g) victims.push_back(pid);
        }
        break;
    }
    for (pid_t v : victims) {
      if (v <= 0) continue;
      if (s.target == Target::kIntermediate) obs.other_pids.insert(v);
      kill(v, sig);
      delivered = true;
    }
  };

  if (s.when == When::kDelay) {
    std::this_thread::sleep_for(std::chrono::microseconds(s.delay_us));
    deliver();
  } else {
    // Wait for the process that reaches the point to stop there.
    const std::string want = s.when == When::kAfterReturn ? "after_return" : WhenName(s.when);
    bool reached = PollReaping(
        &reaps,
        [&] {
          std::string log = ReadAll(paths.faults);
          if (!log.empty()) return true;
          if (s.when != When::kAfterReturn && Exists(paths.result)) return true;  // passed without reaching
          pid_t p = p_pid();
          return p != 0 && !Running(p) && Exists(paths.p_pid);
        },
        Millis(10000));
    std::istringstream log(ReadAll(paths.faults));
    log >> stopped_point >> stopped;
    if (!reached) harness.push_back("harness: nothing happened within 10 s");
    if (stopped > 0) {
      if (stopped_point != "child_before_exec") obs.other_pids.insert(stopped);
      bool is_stopped = PollReaping(
          &reaps,
          [&] {
            auto st = reap::ReadProcStat(stopped);
            return !st.ok() || st->state == 'T' || st->state == 't';
          },
          Millis(5000));
      if (!is_stopped) harness.push_back("harness: pid at fault point never stopped");
      deliver();
      kill(stopped, SIGCONT);
    }
  }
  trace.Mark("fault");
  // Whether the fault could explain an error P reports: it hit P, I, C or
  // P's group/session before P had its result (checked before the kill: P
  // writes its result microseconds after a killed intermediate releases it).
  obs.fault_could_fail =
      delivered && !result_before_fault && s.target != Target::kGrandparent && s.target != Target::kNone;

  // P's result, or P's death.
  pid_t p = await_p();
  if (p != 0) obs.other_pids.insert(p);
  PollReaping(
      &reaps, [&] { return Exists(paths.result) || p == 0 || !Running(p); }, Millis(15000));
  if (Exists(paths.result) && ReadAll(paths.result) != "unknown") {
    obs.caller = ParseResult(ReadAll(paths.result));
    if (!obs.caller) harness.push_back("harness: unreadable result: " + ReadAll(paths.result));
  }
  trace.Mark("result");
  obs.expect_exec_failure = s.nonexistent;

  // C's report: wait for it when it must come; otherwise watch for a late one.
  if (obs.caller && obs.caller->ok && !obs.command_targeted) {
    PollReaping(
        &reaps, [&] { return ReadReport(paths.report).has_value(); }, Millis(5000));
  } else {
    PollReaping(
        &reaps, [&] { return ReadReport(paths.report).has_value(); }, Millis(100));
  }
  obs.command = ReadReport(paths.report);
  trace.Mark("report");
  pid_t c = obs.command ? obs.command->pid : 0;

  // Let G and P finish; every fault has been delivered by now.
  WriteAtomic(paths.release, "go");
  for (pid_t x : Descendants(getpid())) kill(x, SIGCONT);
  PollReaping(
      &reaps, [&] { return reaps.Has(g); }, Millis(10000));
  if (p != 0)
    PollReaping(
        &reaps, [&] { return !Running(p); }, Millis(10000));

  trace.Mark("release");
  obs.command_should_live = s.probe == ProbeMode::kLinger || s.probe == ProbeMode::kIgnoreTerm;
  obs.command_should_exit_cleanly = !obs.command_should_live;
  if (c != 0) {
    if (obs.command_should_live) {
      obs.command_reparented = PollReaping(
          &reaps,
          [&] {
            auto st = reap::ReadProcStat(c);
            return reaps.Has(c) || (st.ok() && st->ppid == getpid());
          },
          Millis(3000));
      // A window for a fault that hit C to take effect.
      std::this_thread::sleep_for(Millis(5));
      reaps.Collect();
      obs.command_alive_at_end = !reaps.Has(c) && Running(c);
    } else {
      PollReaping(
          &reaps, [&] { return reaps.Has(c); }, Millis(5000));
      obs.command_reparented = reaps.Has(c);
    }
    if (reaps.Has(c)) obs.command_status = reaps.status[c];
  }

  trace.Mark("command");
  // Nothing but C may remain.
  PollReaping(
      &reaps,
      [&] {
        auto d = Descendants(getpid());
        return std::all_of(d.begin(), d.end(), [&](pid_t x) { return x == c; });
      },
      Millis(3000));
  for (pid_t x : Descendants(getpid())) {
    if (x == c) continue;
    auto st = reap::ReadProcStat(x);
    if (st.ok() && st->state == 'Z' && st->ppid != getpid())
      obs.zombies_at_end.push_back(x);
    else
      obs.leftovers.push_back(x);
  }

  trace.Mark("leftovers");
  // Clean up everything, whatever happened.
  auto end = Clock::now() + std::chrono::seconds(10);
  for (;;) {
    auto d = Descendants(getpid());
    reaps.Collect();
    if (d.empty() || Clock::now() > end) break;
    for (pid_t x : d) {
      kill(x, SIGCONT);
      kill(x, SIGKILL);
    }
    std::this_thread::sleep_for(Millis(1));
  }
  reaps.Collect();
  if (!Descendants(getpid()).empty()) harness.push_back("harness: could not clean up");

  trace.Mark("cleanup");
  if (trace.on) {
    std::ostringstream os;
    os << s;
    fprintf(stderr, "TOTAL %lld ms %s\n",
            static_cast<long long>(
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - trace.start).count()),
            os.str().c_str());
  }
  std::vector<std::string> out = CheckInvariants(obs);
  out.insert(out.end(), harness.begin(), harness.end());
  for (const auto& f : {paths.report, paths.result, paths.faults, paths.release, paths.p_pid}) {
    unlink(f.c_str());
  }
  rmdir(paths.dir.c_str());
  return out;
}

std::vector<std::string> RunLongRunningParent(const std::vector<int>& lifetimes_ms,
                                              const ScenarioConfig& cfg) {
  Paths paths = MakePaths();
  Reaps reaps;
  pid_t p = fork();
  if (p < 0) return {"harness: fork failed"};
  if (p == 0) {
    // P: detach every command, checking after each that it holds no child.
    std::ostringstream out;
    int zombie_moments = 0, failures = 0;
    for (int ms : lifetimes_ms) {
      std::vector<std::string> args = {"--linger-ms", std::to_string(ms)};
      std::string line = cfg.via == Via::kLibrary ? DetachViaLibrary(cfg.probe, args)
                                                  : DetachViaCli(cfg, cfg.probe, args, "");
      auto r = ParseResult(line);
      if (!r || !r->ok) {
        ++failures;
        continue;
      }
      if (r->children_after != 0 || r->zombies_after != 0) ++zombie_moments;
      out << r->pid << " ";
    }
    WriteAtomic(paths.result,
                std::to_string(failures) + " " + std::to_string(zombie_moments) + " " + out.str());
    AwaitRelease(paths);
    _exit(0);
  }
  std::vector<std::string> v;
  PollReaping(
      &reaps, [&] { return Exists(paths.result) || reaps.Has(p); }, Millis(30000));
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
      Millis(10000));
  if (!all) v.push_back("1. no zombies: the adopter did not reap every command within 10 s");
  for (pid_t x : commands) {
    if (reaps.Has(x) && !(WIFEXITED(reaps.status[x]) && WEXITSTATUS(reaps.status[x]) == 0)) {
      v.push_back("4. survival: command " + std::to_string(x) + " did not exit cleanly");
    }
  }
  WriteAtomic(paths.release, "go");
  PollReaping(
      &reaps, [&] { return reaps.Has(p); }, Millis(10000));
  for (auto d = Descendants(getpid()); !d.empty(); d = Descendants(getpid())) {
    for (pid_t x : d) kill(x, SIGKILL);
    PollReaping(
        &reaps, [&] { return Descendants(getpid()).empty(); }, Millis(2000));
    break;
  }
  for (const auto& f : {paths.report, paths.result, paths.release}) unlink(f.c_str());
  rmdir(paths.dir.c_str());
  return v;
}

}  // namespace reap_testing
