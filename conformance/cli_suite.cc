// CLI mode: each property, judged from trials of the detacher's command
// line (trial.h). docs/conformance-suite.md says what each one means.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <random>

#include "conformance/caller.h"
#include "conformance/describe.h"
#include "conformance/properties.h"
#include "conformance/runners.h"
#include "conformance/trial.h"
#include "text/words.h"

namespace reap_conformance {
namespace {

// Why a command that was gone before its detacher returned cannot have
// survived anything done after the return.
constexpr const char* kEndedBeforeReturn =
    "the command had ended before the detacher returned (it runs its command in place): nothing was left to "
    "survive";

// The properties, each a method; the table in Run() gives their order.
class Suite {
 public:
  Suite(const Description& d, const SuiteOptions& o) : d_(d), o_(o), rng_(o.seed) {}

  std::vector<Verdict> Run() {
    return JudgeAll(d_, o_, Mode::kCli, [this](PropertyId id) { return Judge(id); });
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
      case PropertyId::kPromptAdoption:
        return PromptAdoption();
      case PropertyId::kSurvivesGroupKill:
        return SurvivesGroupKill();
      case PropertyId::kSurvivesHangup:
        return SurvivesHangup();
      case PropertyId::kSurvivesCgroupKill:
        return SurvivesCgroupKill();
      case PropertyId::kSafeAtReturn:
        return SafeAtReturn();
      case PropertyId::kQuickExit:
        return QuickExit();
      case PropertyId::kCleanSignals:
        return CleanSignals();
      case PropertyId::kNoLeakedFds:
        return NoLeakedFds();
      case PropertyId::kStdioDetached:
        return StdioDetached();
      case PropertyId::kNoIntermediate:
        return NoIntermediate();
      case PropertyId::kPidAccurate:
        return PidAccurate();
      case PropertyId::kRandomFaults:
        return RandomFaults();
      case PropertyId::kNoZombies:  // server mode only
        break;
    }
    return Fail("internal: not judged in CLI mode");
  }

  bool Claims(PropertyId id) const { return d_.unclaimed.count(PropertyOf(id).name) == 0; }
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
    spec.payload = TrickyArguments(marker);
    Trial t = Run(spec);
    std::optional<std::string> f = WhyNoCommand(t);
    if (!f) f = ArgvViolation(t.cmdline, spec.payload, Exists(marker));
    unlink(marker.c_str());
    rmdir(marker.substr(0, marker.rfind('/')).c_str());
    return PassUnless(f, kArgvLiteralPasses);
  }

  Outcome NewSession() {
    const Trial& t = Base();
    std::optional<std::string> f = WhyNoCommand(t);
    const auto& c = t.command;
    // G leads its session and its group.
    if (!f) f = NewSessionViolation(*c, t.caller, t.caller, "caller");
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
    const auto window = PropertyOf(PropertyId::kPromptAdoption).window;
    if (!f && t.foreign_hold > window) {
      f = "the command stayed the child of " + DetacherRole(t, t.foreign_parent) + ", which idled for " +
          Ms(t.foreign_hold) + " after " + when;
    }
    if (!f && !t.adopted_at)
      f = "the command was never adopted (its parent stays " + DetacherRole(t, t.foreign_parent) + ")";
    std::string ok = "adopted before its other parent idled for " + Ms(window) + " after " + when;
    return PassUnless(f, ok);
  }

  Outcome Survives(After after, const std::string& what) {
    TrialSpec spec;
    spec.after = after;
    Trial t = Run(spec);
    std::optional<std::string> f = WhyNoCommand(t);
    if (!f && t.ended_before_return) f = std::string(kEndedBeforeReturn);
    if (!f && !t.command_alive) f = what + " killed the command";
    return PassUnless(f, what + " after the command reported");
  }
  Outcome SurvivesGroupKill() { return Survives(After::kKillGroup, "SIGKILL to the caller's process group"); }
  Outcome SurvivesHangup() {
    return Survives(After::kHangupSession, "SIGHUP to every process of the caller's session");
  }

  // The caller runs in a fresh cgroup leaf, as a service does; once the
  // command reported and the detacher is done, the whole leaf is killed
  // (cgroup.kill: what systemd does on stop with KillMode=control-group).
  Outcome SurvivesCgroupKill() {
    if (o_.cgroup_root.empty()) return {Status::kSkip, o_.no_cgroup_why};
    TrialSpec spec;
    spec.after = After::kKillCgroup;
    Trial t = Run(spec);
    std::optional<std::string> f = WhyNoCommand(t);
    if (!f && t.ended_before_return) f = std::string(kEndedBeforeReturn);
    if (!f && !t.command_alive) {
      f = "cgroup.kill of the caller's cgroup (a service stopped by systemd) killed the command: it stayed "
          "in "
          "that cgroup";
    }
    return PassUnless(f, "cgroup.kill of the caller's cgroup left the command running");
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
    int cpu_placement = 0;
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
        cpu_placement = t.cpu_placement;
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
    counts += cpu_placement == kRealTimeCaller
                  ? " (caller on one CPU, real-time)"
                  : " (caller on one CPU, detacher SCHED_IDLE: real-time priority not permitted)";
    for (const Kind& k : kinds) {
      if (k.survived < o_.trials) return Fail(counts + "; first loss: " + k.first_loss);
    }
    return Pass(counts);
  }

  Outcome QuickExit() {
    const auto window = PropertyOf(PropertyId::kQuickExit).window;
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
      if (ReportsPid() && Claims(PropertyId::kPidAccurate)) {
        if (!t.reported) return Fail(what + "no PID reported");
        if (auto f = PidViolation(*t.reported, t.command->pid)) return Fail(what + *f);
      }
      if (t.zombie_hold > window) {
        return Fail(what + DetacherRole(t, t.zombie_holder) + " held it as a zombie, idle, for " +
                    Ms(t.zombie_hold) + (t.command_gone ? "" : " (and still did)"));
      }
      delays += std::string(delays.empty() ? "" : ",") + std::to_string(spec.linger_ms);
    }
    return Pass("exits after " + delays + " ms: no zombie held by an idle process but the adopter for " +
                Ms(window) + ", PID exact");
  }

  Outcome CleanSignals() {
    const Trial& t = Base();
    std::optional<std::string> f = WhyNoCommand(t);
    if (!f) f = CleanSignalsViolation(*t.command);
    return PassUnless(f, "no ignored, no blocked signal (" + CallerSignalsText() + ")");
  }

  Outcome NoLeakedFds() {
    const Trial& t = Base();
    std::optional<std::string> f = WhyNoCommand(t);
    if (!f) f = LeakedFdsViolation(*t.command, CallerExtraFds(), "caller");
    return PassUnless(f, "only 0,1,2 although the caller had inheritable fds " + Join(CallerExtraFds()));
  }

  // The detacher's own pipes (libslack daemon logs its command's output)
  // are fine: only the caller's, whose capture would never end, are not.
  Outcome StdioDetached() {
    const Trial& t = Base();
    std::optional<std::string> f = WhyNoCommand(t);
    if (!f) f = StdioViolation(t.stdio_targets, t.caller_pipes, "caller");
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
    if (!f) f = PidViolation(*t.reported, t.command->pid);
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
    auto round = [&]() -> Round {
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
      if (Claims(PropertyId::kNewSession)) {
        if (auto f = NewSessionViolation(*t.command, t.caller, t.caller, "caller")) return {true, what + *f};
      }
      if (claimed && t.reported && ReportsPid() && Claims(PropertyId::kPidAccurate)) {
        if (auto f = PidViolation(*t.reported, t.command->pid)) return {true, what + *f};
      }
      return {true, std::nullopt};
    };
    return DrawRounds(o_.rounds, round, [&] {
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

std::vector<Verdict> RunCliSuite(const Description& d, const SuiteOptions& o) {
  Suite suite(d, o);
  return suite.Run();
}

std::string CheckCliPlainRun(const Description& d, const SuiteOptions& o) {
  Trial t = RunTrial(d, o, {});
  if (auto f = WhyNoCommand(t)) return "a plain run: " + *f;
  // A detacher that never returns (one that runs the command in place) is
  // judged, not refused: its command ran, but was gone before its argv was
  // read.
  if (t.cmdline.empty()) return "";
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

}  // namespace reap_conformance
