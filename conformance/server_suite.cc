// Server mode: the detacher is a long-lived caller (a server using some
// language's detach API) that the suite starts once, as a careless server
// would run (new session, inheritable fds 7,8,9,20,1000, ignored and blocked
// signals), and feeds one command per request line while it keeps running.
// What a command-line detacher's exit would hide shows here: zombies that
// pile up in the server, commands that stay its children.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <random>
#include <thread>

#include "conformance/caller.h"
#include "conformance/cgroups.h"
#include "conformance/describe.h"
#include "conformance/json_argv.h"
#include "conformance/probe_report.h"
#include "conformance/processes.h"
#include "conformance/properties.h"
#include "conformance/runners.h"
#include "reap/decimal.h"
#include "reap/observe.h"
#include "reap/proc.h"

namespace reap_conformance {
namespace {

using Clock = std::chrono::steady_clock;

// Deadlines, in the order they nest.
constexpr Millis kReplyDeadline(5000);   // one reply line
constexpr Millis kReportDeadline(5000);  // a started command's report
constexpr Millis kStopDeadline(10000);   // server and everything left, killed and reaped
constexpr int kShortCommands = 50;       // exit after 0-50 ms
constexpr int kLongCommands = 5;         // linger

// One command sent to the server, and what came of it.
struct Request {
  std::string reply;
  bool ok = false;           // a success reply (a PID, or with pid = adopted anything but "error...")
  std::optional<pid_t> pid;  // the reply, when it was a PID
  std::string report_path;
  std::optional<ProbeReport> report;
};

std::optional<pid_t> AsPid(const std::string& reply) {
  unsigned long long pid = 0;
  if (!reap::ParseDecimal(reply, 0x7fffffff, &pid)) return std::nullopt;
  return static_cast<pid_t>(pid);
}

// The server, started once; requests over its stdin, replies on its stdout.
class Server {
 public:
  Server(const Description& d, const SuiteOptions& o) : d_(d), o_(o), dir_(TempDir()) {}
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server() { Stop(); }

  // "" or why the server could not be started. In CGROUP when not null.
  std::string Start(const CgroupLeaf* cgroup = nullptr) {
    CommandSpec none;
    auto argv = Expand(d_, none, o_.defines);
    if (!argv.ok()) return argv.error().Message();
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
      return std::string("pipe: ") + strerror(errno);
    std::string err_path = dir_ + "/stderr";
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_t g = fork();
    if (g == 0) {
      // Its stdio first, in 0-2: the server's extra fds (7, 8, 9, ...) then
      // replace whatever else had those numbers, our pipes included.
      dup2(in[0], 0);
      dup2(out[1], 1);
      dup2(err, 2);
      BecomeCarelessCaller();
      if (cgroup != nullptr) {
        if (std::string e = cgroup->Enter(0); !e.empty()) {
          dprintf(2, "cgroup: %s\n", e.c_str());
          _exit(126);
        }
      }
      std::vector<char*> cargv;
      for (auto& a : argv.value()) cargv.push_back(a.data());
      cargv.push_back(nullptr);
      execvp(cargv[0], cargv.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err);
    if (g < 0) return std::string("fork: ") + strerror(errno);
    pid_ = g;
    to_ = in[1];
    from_ = out[0];
    pipes_ = {FdTarget(getpid(), to_), FdTarget(getpid(), from_)};
    return "";
  }

  // Sends ARGV; returns the reply line ("" when none came in time or the
  // server is gone).
  std::string Ask(const std::vector<std::string>& argv) {
    Send(argv);
    return Reply();
  }
  void Send(const std::vector<std::string>& argv) {
    std::string line = JsonArgv(argv) + "\n";
    for (std::size_t done = 0; done < line.size();) {
      ssize_t n = write(to_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // the server is gone (SIGPIPE is ignored by the suite)
      done += static_cast<std::size_t>(n);
    }
  }
  std::string Reply() {
    auto end = Clock::now() + kReplyDeadline;
    for (;;) {
      std::size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<Millis>(end - Clock::now()).count();
      if (left <= 0) return "";
      pollfd p{from_, POLLIN, 0};
      int n = poll(&p, 1, static_cast<int>(std::min<long>(left, 10)));
      reaps_.Collect();
      if (n < 0 && errno != EINTR) return "";
      if (n <= 0) continue;
      char buf[4096];
      ssize_t got = read(from_, buf, sizeof buf);
      if (got <= 0) return "";
      buffer_.append(buf, static_cast<std::size_t>(got));
    }
  }

  // A command the suite can recognise: the probe (reporting to a fresh
  // file), or one whose exec must fail.
  Request Issue(Program program, long linger_ms, const std::vector<std::string>& payload = {}) {
    Request r;
    std::vector<std::string> argv = CommandArgv(program, linger_ms, payload, &r.report_path);
    r.reply = Ask(argv);
    Judge(&r);
    return r;
  }

  void Judge(Request* r) const {
    r->pid = AsPid(r->reply);
    r->ok = d_.pid == PidSource::kAdopted ? !r->reply.empty() && r->reply.rfind("error", 0) != 0
                                          : r->pid.has_value();
  }

  std::vector<std::string> CommandArgv(Program program, long linger_ms,
                                       const std::vector<std::string>& payload, std::string* report) {
    *report = dir_ + "/report." + std::to_string(++serial_);
    close(open(report->c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    std::vector<std::string> argv = {ProgramPath(program, dir_, o_)};
    std::vector<std::string> args = ProbeArgs(o_, *report, linger_ms, payload);
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  // Polls (reaping what reaches the suite) until R's command reported.
  bool AwaitReport(Request* r, Millis deadline = kReportDeadline) {
    return PollReaping(
        &reaps_,
        [&] {
          r->report = ReadProbeReport(r->report_path);
          return r->report.has_value();
        },
        deadline);
  }

  void Idle(Millis d) {
    PollReaping(
        &reaps_, [] { return false; }, d);
  }

  bool Alive() {
    reaps_.Collect();
    return PidIsRunning(pid_);
  }
  std::string Death() {
    reaps_.Collect();
    auto it = reaps_.status.find(pid_);
    return it == reaps_.status.end() ? "is gone" : "died (" + DescribeWaitStatus(it->second) + ")";
  }
  std::string LastError() const {
    std::string text = ReadAll(dir_ + "/stderr");
    while (!text.empty() && text.back() == '\n') text.pop_back();
    std::size_t nl = text.rfind('\n');
    return nl == std::string::npos ? text : text.substr(nl + 1);
  }

  pid_t pid() const { return pid_; }
  const std::vector<std::string>& pipes() const { return pipes_; }
  Reaps& reaps() { return reaps_; }

  // End of input, then everything is killed and reaped (bounded).
  void Stop() {
    if (to_ >= 0) close(to_);
    to_ = -1;
    if (pid_ > 0)
      PollReaping(
          &reaps_, [&] { return !PidIsRunning(pid_); }, Millis(1000));
    KillAllDescendants(&reaps_, kStopDeadline);
    if (from_ >= 0) close(from_);
    from_ = -1;
    pid_ = 0;
    if (!dir_.empty()) {
      for (int i = 1; i <= serial_; ++i) unlink((dir_ + "/report." + std::to_string(i)).c_str());
      for (const char* f : {"/stderr", "/not-a-program"}) unlink((dir_ + f).c_str());
      rmdir(dir_.c_str());
      dir_.clear();
    }
  }

 private:
  const Description& d_;
  const SuiteOptions& o_;
  std::string dir_;
  pid_t pid_ = 0;
  int to_ = -1, from_ = -1;
  std::string buffer_;
  std::vector<std::string> pipes_;
  int serial_ = 0;
  Reaps reaps_;
};

class ServerSuite {
 public:
  ServerSuite(const Description& d, const SuiteOptions& o) : d_(d), o_(o), rng_(o.seed), server_(d, o) {}

  std::vector<Verdict> Run() {
    started_ = server_.Start();
    return JudgeAll(d_, o_, Mode::kServer, [this](PropertyId id) { return Judge(id); });
  }

 private:
  Outcome Judge(PropertyId id) {
    switch (id) {
      case PropertyId::kExecFailure:
        return ExecFailure();
      case PropertyId::kArgvLiteral:
        return ArgvLiteral();
      case PropertyId::kNewSession:
        return NewSession();
      case PropertyId::kReparented:
        return Reparented();
      case PropertyId::kNoZombies:
        return NoZombies();
      case PropertyId::kSurvivesGroupKill:
        return SurvivesGroupKill();
      case PropertyId::kSurvivesCgroupKill:
        return SurvivesCgroupKill();
      case PropertyId::kCleanSignals:
        return CleanSignals();
      case PropertyId::kNoLeakedFds:
        return NoLeakedFds();
      case PropertyId::kStdioDetached:
        return StdioDetached();
      case PropertyId::kPidAccurate:
        return PidAccurate();
      case PropertyId::kRandomFaults:
        return RandomFaults();
      case PropertyId::kPromptAdoption:  // CLI mode only: a server does not return
      case PropertyId::kSurvivesHangup:
      case PropertyId::kSafeAtReturn:
      case PropertyId::kQuickExit:
      case PropertyId::kNoIntermediate:
        break;
    }
    return Fail("internal: not judged in server mode");
  }

  // Why the server cannot be asked anything (or nullopt).
  std::optional<std::string> Broken() {
    if (!started_.empty()) return "the server could not be started: " + started_;
    if (!server_.Alive()) {
      std::string err = server_.LastError();
      return "the server " + server_.Death() + (err.empty() ? "" : ": " + err);
    }
    return std::nullopt;
  }

  // A lingering command, started once and looked at by several properties.
  const Request& Base() {
    if (!base_) {
      base_ = server_.Issue(Program::kProbe, 20000);
      if (base_->ok) server_.AwaitReport(&*base_);
    }
    return *base_;
  }

  // The one-line reason when R shows no command.
  std::optional<std::string> WhyNoCommand(const Request& r) {
    if (auto b = Broken(); b && r.reply.empty()) return *b;
    if (r.report) return std::nullopt;
    if (!r.ok) return "the server replied '" + r.reply.substr(0, 80) + "' and no command ran";
    return "the server replied '" + r.reply.substr(0, 80) + "' but no command ran";
  }

  Outcome ExecFailure() {
    if (auto b = Broken()) return Fail(*b);
    struct Case {
      Program program;
      const char* what;
    };
    const Case cases[] = {{Program::kMissingPath, "a nonexistent path"},
                          {Program::kMissingBare, "a bare name not on PATH"},
                          {Program::kNotAProgram, "an executable file that is no program (ENOEXEC)"}};
    std::string ok;
    for (const Case& c : cases) {
      Request r = server_.Issue(c.program, 20000);
      if (!server_.Alive()) return Fail("the server " + server_.Death() + " on " + c.what);
      if (r.ok) return Fail("replied '" + r.reply.substr(0, 60) + "' (success) for " + c.what);
      if (r.reply.empty())
        return Fail("no reply within " + std::to_string(kReplyDeadline.count()) + " ms for " + c.what);
      ok += std::string(ok.empty() ? "" : "; ") + "'" + r.reply.substr(0, 60) + "'";
    }
    return Pass("error replies: " + ok);
  }

  Outcome ArgvLiteral() {
    std::string marker = TempDir() + "/ran";
    std::vector<std::string> payload = TrickyArguments(marker);
    Request r = server_.Issue(Program::kProbe, 20000, payload);
    if (r.ok) server_.AwaitReport(&r);
    std::optional<std::string> f = WhyNoCommand(r);
    if (!f) {
      std::vector<std::string> argv;
      PollUntil(
          [&] {
            auto a = reap::ReadCmdline(r.report->pid);
            if (a.ok()) argv = a.value();
            return !argv.empty();
          },
          Millis(2000));
      f = ArgvViolation(argv, payload, Exists(marker));
    }
    unlink(marker.c_str());
    rmdir(marker.substr(0, marker.rfind('/')).c_str());
    return PassUnless(f, kArgvLiteralPasses);
  }

  Outcome NewSession() {
    const Request& r = Base();
    if (auto f = WhyNoCommand(r)) return Fail(*f);
    // The server leads its session and its group.
    return PassUnless(NewSessionViolation(*r.report, server_.pid(), server_.pid(), "server"),
                      "sid " + std::to_string(r.report->sid));
  }

  Outcome Reparented() {
    if (auto b = Broken()) return Fail(*b);
    std::vector<Request> longs;
    for (int i = 0; i < kLongCommands; ++i) {
      Request r = server_.Issue(Program::kProbe, 20000);
      if (r.ok) server_.AwaitReport(&r);
      if (auto f = WhyNoCommand(r)) return Fail(*f);
      longs.push_back(std::move(r));
    }
    const auto window = PropertyOf(PropertyId::kReparented).window;
    server_.Idle(window);
    int children = 0;
    for (const Request& r : longs) {
      auto st = reap::ReadProcStat(r.report->pid);
      if (st.ok() && st->ppid == server_.pid()) ++children;
    }
    long_ = longs;
    if (children) {
      return Fail(std::to_string(children) + " of " + std::to_string(kLongCommands) +
                  " lingering commands are still the server's children " + Ms(window) + " after the reply");
    }
    return Pass(std::to_string(kLongCommands) +
                " lingering commands adopted by the subreaper while the server runs");
  }

  Outcome NoZombies() {
    if (auto b = Broken()) return Fail(*b);
    std::uniform_int_distribution<long> delay(0, 50);
    std::vector<Request> shorts;
    for (int i = 0; i < kShortCommands; ++i) {
      Request r = server_.Issue(Program::kProbe, delay(rng_));
      if (!r.ok) return Fail("short command " + std::to_string(i + 1) + ": " + *WhyNoCommand(r));
      shorts.push_back(std::move(r));
    }
    for (Request& r : shorts) {
      server_.AwaitReport(&r);
      if (auto f = WhyNoCommand(r)) return Fail(*f);
    }
    const auto window = PropertyOf(PropertyId::kNoZombies).window;
    server_.Idle(Millis(50) + window);
    int zombies = 0;
    for (const Request& r : shorts) {
      auto st = reap::ReadProcStat(r.report->pid);
      if (st.ok() && st->state == 'Z' && st->ppid == server_.pid()) ++zombies;
    }
    if (zombies) {
      return Fail(std::to_string(zombies) + " of " + std::to_string(kShortCommands) +
                  " commands that exited after 0-50 ms are zombies of the server " + Ms(window) + " later");
    }
    return Pass(std::to_string(kShortCommands) +
                " commands exited after 0-50 ms: no zombie left in the server");
  }

  Outcome SurvivesGroupKill() {
    if (auto b = Broken()) return Fail(*b);
    const Request& base = Base();
    if (auto f = WhyNoCommand(base)) return Fail(*f);
    std::vector<pid_t> commands = {base.report->pid};
    for (const Request& r : long_) commands.push_back(r.report->pid);
    kill(-server_.pid(), SIGKILL);  // a crash of the server's whole group
    server_.Idle(kSignalWindow);
    int dead = 0;
    for (pid_t pid : commands) dead += !Surviving(pid);
    if (dead) {
      return Fail("SIGKILL to the server's process group killed " + std::to_string(dead) + " of " +
                  std::to_string(commands.size()) + " lingering commands");
    }
    return Pass("SIGKILL to the server's process group left all " + std::to_string(commands.size()) +
                " lingering commands running");
  }

  // A fresh server in its own cgroup leaf (a service's) starts a lingering
  // command; then the whole leaf is killed (cgroup.kill), as systemd stops
  // a service with KillMode=control-group.
  Outcome SurvivesCgroupKill() {
    if (o_.cgroup_root.empty()) return {Status::kSkip, o_.no_cgroup_why};
    std::string why;
    auto leaf = CgroupLeaf::Create(o_.cgroup_root, "reap-conformance-server", &why);
    if (!leaf) return Fail("harness: " + why);
    Server s(d_, o_);
    if (std::string e = s.Start(leaf.get()); !e.empty()) return Fail("the server could not be started: " + e);
    Request r = s.Issue(Program::kProbe, 20000);
    if (r.ok) s.AwaitReport(&r);
    if (!r.report) {
      std::string err = s.LastError();
      return Fail("the server replied '" + r.reply.substr(0, 80) + "' and no command ran" +
                  (s.Alive() ? "" : "; the server " + s.Death()) + (err.empty() ? "" : ": " + err));
    }
    if (std::string e = leaf->Kill(); !e.empty()) return Fail("harness: " + e);
    if (!Surviving(r.report->pid)) {
      return Fail(
          "cgroup.kill of the server's cgroup (a service stopped by systemd) killed the command: it "
          "stayed in that cgroup");
    }
    return Pass("cgroup.kill of the server's cgroup left the command running");
  }

  Outcome CleanSignals() {
    const Request& r = Base();
    if (auto f = WhyNoCommand(r)) return Fail(*f);
    return PassUnless(CleanSignalsViolation(*r.report),
                      "no ignored, no blocked signal (" + CallerSignalsText() + ")");
  }

  Outcome NoLeakedFds() {
    const Request& r = Base();
    if (auto f = WhyNoCommand(r)) return Fail(*f);
    return PassUnless(LeakedFdsViolation(*r.report, CallerExtraFds(), "server"),
                      "only 0,1,2 although the server had inheritable fds " + Join(CallerExtraFds()));
  }

  Outcome StdioDetached() {
    const Request& r = Base();
    if (auto f = WhyNoCommand(r)) return Fail(*f);
    std::vector<std::string> targets;
    for (int fd = 0; fd < 3; ++fd) targets.push_back(FdTarget(r.report->pid, fd));
    return PassUnless(StdioViolation(targets, server_.pipes(), "server"), "0,1,2 on " + targets[0]);
  }

  Outcome PidAccurate() {
    if (d_.pid == PidSource::kAdopted) return {Status::kSkip, "the server replies no PID"};
    const Request& r = Base();
    if (auto f = WhyNoCommand(r)) return Fail(*f);
    return PassUnless(PidViolation(*r.pid, r.report->pid), "the replied PID is the command's own");
  }

  // Each round: a fresh server answers one plain request (so it is up and in
  // its loop, however slowly it started), then is killed at a random moment
  // while it handles a second one. A round counts only when it exercised the
  // claim: a command ran, or the server replied success. The delays span
  // 1.5 times the plain request's round trip, so a slow machine stretches
  // them.
  Outcome RandomFaults() {
    server_.Stop();
    std::mt19937 rng(o_.seed);
    long longest_us = 0;
    auto round = [&]() -> Round {
      Server s(d_, o_);
      std::string why = s.Start();
      if (!why.empty()) return {false, "the server could not be started: " + why};
      auto asked = Clock::now();
      Request plain = s.Issue(Program::kProbe, 20000);
      auto round_trip = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - asked).count();
      if (plain.ok) s.AwaitReport(&plain);
      if (!plain.report) {
        return {false, "a plain request before the fault: the server replied '" + plain.reply.substr(0, 80) +
                           "' and no command ran"};
      }
      long span_us = std::max<long>(1000, static_cast<long>(round_trip) * 3 / 2);
      longest_us = std::max(longest_us, span_us);
      int delay_us = static_cast<int>(rng() % static_cast<unsigned long>(span_us));
      const int sigs[] = {SIGKILL, SIGTERM, SIGHUP};
      int sig = sigs[rng() % 3];
      std::string what =
          "server got " + SignalName(sig) + " " + std::to_string(delay_us) + " us after a request: ";
      std::string report;
      s.Send(s.CommandArgv(Program::kProbe, 20000, {}, &report));
      std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
      kill(s.pid(), sig);
      Request r;
      r.reply = s.Reply();
      s.Judge(&r);
      // A command started before the kill may report late on a busy machine:
      // wait while anything but the plain request's command is left.
      PollReaping(
          &s.reaps(),
          [&] {
            r.report = ReadProbeReport(report);
            if (r.report || r.ok) return r.report.has_value();
            auto left = Descendants(getpid());
            return std::all_of(left.begin(), left.end(), [&](pid_t x) { return x == plain.report->pid; });
          },
          kReportDeadline);
      if (!r.report && !r.ok) return {};  // the fault landed before any command existed
      if (!r.report) return {true, what + "replied '" + r.reply + "' (success) but no command ran"};
      s.Idle(kSignalWindow);
      if (!Surviving(r.report->pid)) return {true, what + "the command died"};
      if (auto f = NewSessionViolation(*r.report, s.pid(), s.pid(), "server")) return {true, what + *f};
      if (r.pid) {
        if (auto f = PidViolation(*r.pid, r.report->pid)) return {true, what + *f};
      }
      return {true, std::nullopt};
    };
    return DrawRounds(o_.rounds, round, [&] {
      return "(seed " + std::to_string(o_.seed) + ", faults up to " + std::to_string(longest_us) +
             " us after a request)";
    });
  }

  const Description& d_;
  const SuiteOptions& o_;
  std::mt19937 rng_;
  Server server_;
  std::string started_;
  std::optional<Request> base_;
  std::vector<Request> long_;
};

}  // namespace

std::string CheckServerPlainRun(const Description& d, const SuiteOptions& o) {
  Server s(d, o);
  if (std::string why = s.Start(); !why.empty()) return "the server could not be started: " + why;
  Request r = s.Issue(Program::kProbe, 20000);
  if (r.ok) s.AwaitReport(&r);
  if (r.report) return "";
  // A server that exits closes its pipes a moment before /proc shows it
  // dead: give a silent one that moment before naming what happened.
  if (r.reply.empty())
    PollReaping(
        &s.reaps(), [&] { return !s.Alive(); }, Millis(1000));
  if (!s.Alive()) {
    std::string err = s.LastError();
    return "a plain request: the server " + s.Death() + (err.empty() ? "" : ": " + err);
  }
  if (r.reply.empty())
    return "a plain request: no reply within " + std::to_string(kReplyDeadline.count()) + " ms";
  return "a plain request: the server replied '" + r.reply.substr(0, 80) + "' but the command never ran";
}

std::vector<Verdict> RunServerSuite(const Description& d, const SuiteOptions& o) {
  ServerSuite suite(d, o);
  return suite.Run();
}

}  // namespace reap_conformance
