#include "conformance/trial.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <new>
#include <thread>

#include "conformance/describe.h"
#include "conformance/properties.h"
#include "reap/observe.h"
#include "reap/proc.h"

namespace reap_conformance {
namespace {

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
    WatchUntil([&] { return t_.exited || !PidIsRunning(t_.caller); }, kDetacherDeadline);
    if (!t_.known) MarkKnown();  // D died without saying anything
    // A detacher that runs its command in place returns only once it has
    // ended: then no action after the return can be what ended it.
    if (!t_.command) t_.command = ReadProbeReport(report_);
    if (t_.exited && t_.command && !PidIsRunning(t_.command->pid)) t_.ended_before_return = true;
    // Until the command reported, or nothing is left that could still run
    // it (D done or G killed, no other process): a D killed by a fault may
    // leave a command that reports late on a busy machine.
    WatchUntil(
        [&] {
          if (!t_.command) return (t_.exited || !PidIsRunning(t_.caller)) && OthersLeft().empty();
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
      WatchUntil([&] { return shared_->acted.load() || !PidIsRunning(t_.caller); }, kSettleDeadline);
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
    c.abs_program = ProgramPath(spec_.program, dir_, o_);
    if (c.abs_program.empty()) return HarnessError("cannot write " + dir_ + "/not-a-program");
    c.program = c.abs_program;
    c.args = ProbeArgs(o_, report_, spec_.linger_ms, spec_.payload);
    c.pidfile = pidfile_ = dir_ + "/detacher.pid";
    auto argv = Expand(d_, c, o_.defines);
    if (!argv.ok()) return HarnessError(argv.error().Message());
    argv_ = argv.value();
    if (spec_.after == After::kKillCgroup) {
      std::string why;
      cgroup_ = CgroupLeaf::Create(o_.cgroup_root, "reap-conformance-caller", &why);
      if (!cgroup_) return HarnessError(why);
    }
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
    if (g == 0) CallerMain(argv_, out[1], err[1], shared_, spec_.at_return, cgroup_.get());
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
      WatchUntil([&] { return t_.detacher != 0 || !PidIsRunning(t_.caller); }, kSettleDeadline);
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
    t_.cpu_placement = shared_->cpu_placement.load();
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
  // while idle for no-intermediate's window is an intermediate it does not
  // reap.
  void WatchDetacherZombies(Clock::time_point now) {
    bool idle = Idle(t_.detacher);
    for (pid_t kid : reap::ListChildren(t_.detacher)) {
      auto st = reap::ReadProcStat(kid);
      if (!st.ok() || st->state != 'Z') continue;
      BlameClock& held = detacher_zombies_[kid];
      held.Observe(now, idle);
      if (held.total() >= PropertyOf(PropertyId::kNoIntermediate).window) t_.zombie_seen = true;
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
    // Gone before its cmdline could be read (a detacher that runs it in
    // place and returns with it): its own report says what it received.
    if (t_.cmdline.empty() && t_.command) t_.cmdline = t_.command->argv;
    auto target = FdTarget;
    for (int fd = 0; fd < 3; ++fd) t_.stdio_targets.push_back(target(cpid, fd));
    t_.caller_pipes = {target(getpid(), out_), target(getpid(), err_)};
  }

  void Act() {
    if (spec_.after == After::kKillGroup) kill(-t_.caller, SIGKILL);
    if (spec_.after == After::kKillCgroup) {
      if (std::string why = cgroup_->Kill(); !why.empty()) HarnessError(why);
    }
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
      return x == t_.caller && Clock::now() < caller_may_exit_until && PidIsRunning(x);
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
  std::unique_ptr<CgroupLeaf> cgroup_;  // the caller's, for kKillCgroup
  SharedPage* shared_ = nullptr;
  int out_ = -1, err_ = -1;
  BlameClock zombie_blame_, foreign_blame_;
  std::map<pid_t, BlameClock> detacher_zombies_;
};

}  // namespace

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

std::optional<std::string> WhyNoCommand(const Trial& t) {
  if (!t.error.empty()) return "harness: " + t.error;
  if (t.command) return std::nullopt;
  if (!t.exited) return "the detacher did not exit within " + Ms(kDetacherDeadline) + " and no command ran";
  std::string why = "the command never ran (detacher: " + DescribeWaitStatus(t.exit_status) + ")";
  std::string err = t.err.substr(0, t.err.find('\n'));
  if (!err.empty()) why += ": " + err;
  return why;
}

}  // namespace reap_conformance
