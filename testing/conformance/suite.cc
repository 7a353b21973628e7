#include "testing/conformance/suite.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "reap/proc.h"
#include "testing/invariants.h"
#include "testing/world.h"

extern char** environ;

namespace reap_conformance {
namespace {

using reap_testing::Descendants;
using reap_testing::Exists;
using reap_testing::Millis;
using reap_testing::PollReaping;
using reap_testing::ProbeReport;
using reap_testing::ReadAll;
using reap_testing::Reaps;
using reap_testing::Running;
using Clock = std::chrono::steady_clock;

// What one run of the detacher showed.
struct Trial {
  bool ran = false;             // the detacher could be started
  std::string error;            // harness trouble
  int exit_status = -1;         // wait status of the detacher; -1 unknown
  std::string out, err;         // what it printed (until it exited)
  std::optional<pid_t> reported;  // PID from stdout or pidfile
  std::optional<ProbeReport> command;
  pid_t caller = 0;             // G: the caller's session and group leader
  pid_t detacher = 0;           // D
  std::vector<std::string> stdio_targets;  // readlink of C's fds 0..2
  std::vector<std::string> cmdline;        // C's argv
  bool zombie_seen = false;     // D held a zombie child while it ran
  std::vector<pid_t> lingering; // processes other than C left after D exited
  bool reparented = false;      // C's parent became us
  bool command_alive = false;   // after the action
  std::string caller_stdout_target;  // what D's stdout was (our pipe)
};

enum class Action { kNone, kKillGroup, kHangupSession, kRandomFault };

struct TrialSpec {
  bool nonexistent = false;     // the program does not exist
  bool not_a_program = false;   // it exists, is executable, but cannot be run
  std::vector<std::string> payload;  // extra argv after "--"
  Action action = Action::kNone;
  int fault_delay_us = 0;
  int fault_signal = SIGKILL;
  bool fault_on_caller = false;  // else on D
};

class Runner {
 public:
  Runner(const Description& d, const SuiteOptions& o) : d_(d), o_(o) {}

  Trial Run(const TrialSpec& spec) {
    Trial t;
    std::string dir = reap_testing::TempDir();
    std::string report = dir + "/report", status_file = dir + "/status", release = dir + "/release",
                dpid_file = dir + "/dpid";
    close(open(report.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    reap_conformance::CommandSpec c;
    c.abs_program = spec.nonexistent ? dir + "/no-such-program" : o_.probe;
    if (spec.not_a_program) {
      // Executable bits, no #! line, not ELF: execve fails with ENOEXEC.
      c.abs_program = dir + "/not-a-program";
      int fd = open(c.abs_program.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
      ssize_t w = write(fd, "\x01\x02\x03 not a program\n", 18);
      (void)w;
      close(fd);
    }
    c.program = c.abs_program;
    c.args = {"--report", report, "--linger-ms", "20000"};
    if (!spec.payload.empty()) {
      c.args.push_back("--");
      c.args.insert(c.args.end(), spec.payload.begin(), spec.payload.end());
    }
    c.pidfile = dir + "/detacher.pid";
    auto argv = Expand(d_, c, o_.defines);
    if (!argv.ok()) {
      t.error = argv.error().ToString();
      return t;
    }
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
      t.error = "pipe failed";
      return t;
    }
    Reaps reaps;
    pid_t g = fork();
    if (g == 0) CallerMain(argv.value(), out[1], err[1], dpid_file, status_file, release);
    close(out[1]);
    close(err[1]);
    t.caller = g;
    t.ran = true;
    std::map<pid_t, Clock::time_point> zombie_since;
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    auto drain = [&] {
      char buf[4096];
      for (int fd : {out[0], err[0]}) {
        for (;;) {
          ssize_t n = read(fd, buf, sizeof buf);
          if (n <= 0) break;
          (fd == out[0] ? t.out : t.err).append(buf, static_cast<std::size_t>(n));
        }
      }
    };
    if (spec.action == Action::kRandomFault) {
      std::this_thread::sleep_for(std::chrono::microseconds(spec.fault_delay_us));
      pid_t target = g;
      if (!spec.fault_on_caller) {
        PollReaping(&reaps, [&] { return Exists(dpid_file) || !Running(g); }, Millis(2000));
        target = static_cast<pid_t>(std::atoi(ReadAll(dpid_file).c_str()));
      }
      if (target > 0) kill(target, spec.fault_signal);
    }
    // The detacher's run: until it exits (not until EOF: a detacher that
    // hands our pipe to the command would keep it open for ever).
    PollReaping(&reaps, [&] {
      drain();
      if (t.detacher == 0 && Exists(dpid_file)) t.detacher = std::atoi(ReadAll(dpid_file).c_str());
      if (t.detacher > 0) {
        // A zombie reaped within microseconds is normal; one the detacher
        // still holds 20 ms later is an intermediate it does not reap.
        for (pid_t kid : reap::ListChildren(t.detacher)) {
          auto st = reap::ReadProcStat(kid);
          if (!st.ok() || st->state != 'Z') continue;
          auto [it, fresh] = zombie_since.emplace(kid, Clock::now());
          if (!fresh && Clock::now() - it->second >= Millis(20)) t.zombie_seen = true;
        }
      }
      return Exists(status_file) || !Running(g);
    }, Millis(15000));
    drain();
    if (Exists(status_file)) t.exit_status = std::atoi(ReadAll(status_file).c_str());
    bool succeeded = t.exit_status == 0;

    if (d_.pid == PidSource::kStdout) {
      std::size_t i = t.out.find_first_of("0123456789");
      if (i != std::string::npos) t.reported = static_cast<pid_t>(std::atoi(t.out.c_str() + i));
    } else if (d_.pid == PidSource::kPidfile) {
      PollReaping(&reaps, [&] { return !ReadAll(c.pidfile).empty(); }, Millis(succeeded ? 2000 : 100));
      std::string text = ReadAll(c.pidfile);
      if (!text.empty()) t.reported = static_cast<pid_t>(std::atoi(text.c_str()));
    }
    auto read_report = [&] {
      std::string text = ReadAll(report);
      std::size_t nl = text.find('\n');
      return nl == std::string::npos ? std::nullopt : reap_testing::ParseProbeReport(text.substr(0, nl));
    };
    PollReaping(&reaps, [&] { return read_report().has_value(); },
         Millis(spec.nonexistent || spec.not_a_program || !succeeded ? 200 : 5000));
    t.command = read_report();
    pid_t cpid = t.command ? t.command->pid : 0;

    if (cpid != 0) {
      reap_testing::PollUntil([&] {
        auto a = reap::ReadCmdline(cpid);
        if (a.ok()) t.cmdline = a.value();
        return !t.cmdline.empty();
      }, Millis(2000));
      for (int fd = 0; fd < 3; ++fd) {
        char buf[4096];
        std::string link = "/proc/" + std::to_string(cpid) + "/fd/" + std::to_string(fd);
        ssize_t n = readlink(link.c_str(), buf, sizeof buf);
        t.stdio_targets.push_back(n < 0 ? "(closed)" : std::string(buf, static_cast<std::size_t>(n)));
      }
      char buf[4096];
      std::string mine = "/proc/" + std::to_string(getpid()) + "/fd/" + std::to_string(out[0]);
      ssize_t n = readlink(mine.c_str(), buf, sizeof buf);
      if (n > 0) t.caller_stdout_target = std::string(buf, static_cast<std::size_t>(n));
    }
    // Nothing but G and C may remain once the detacher is gone.
    PollReaping(&reaps, [&] {
      auto d = Descendants(getpid());
      return std::all_of(d.begin(), d.end(), [&](pid_t x) { return x == g || x == cpid; });
    }, Millis(2000));
    for (pid_t x : Descendants(getpid())) {
      if (x != g && x != cpid) t.lingering.push_back(x);
    }
    if (cpid != 0) {
      t.reparented = PollReaping(&reaps, [&] {
        auto st = reap::ReadProcStat(cpid);
        return st.ok() && st->ppid == getpid();
      }, Millis(1000));
    }
    if (spec.action == Action::kKillGroup) kill(-g, SIGKILL);
    if (spec.action == Action::kHangupSession) {
      for (pid_t x : Descendants(getpid())) {
        auto st = reap::ReadProcStat(x);
        if (st.ok() && st->session == g) kill(x, SIGHUP);
      }
    }
    if (cpid != 0) {
      std::this_thread::sleep_for(Millis(20));  // a window for a signal to act
      reaps.Collect();
      t.command_alive = Running(cpid);
    }
    // Clean up: release G, then end everything that is left.
    close(open(release.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    auto end = Clock::now() + std::chrono::seconds(10);
    for (;;) {
      reaps.Collect();
      auto d = Descendants(getpid());
      if (d.empty() || Clock::now() > end) break;
      for (pid_t x : d) {
        if (x == g && Running(g)) continue;  // G exits by itself on release
        kill(x, SIGKILL);
      }
      PollReaping(&reaps, [&] { return !Running(g); }, Millis(50));
      if (Running(g) && Clock::now() > end - std::chrono::seconds(5)) kill(g, SIGKILL);
    }
    close(out[0]);
    close(err[0]);
    for (const char* f : {"/report", "/status", "/release", "/dpid", "/detacher.pid", "/not-a-program"}) {
      unlink((dir + f).c_str());
    }
    std::string rm = dir;
    rmdir(rm.c_str());  // a detacher that wrote elsewhere in it leaves it
    return t;
  }

 private:
  // G: the caller. A new session, three inheritable fds (as a careless
  // server would have), then the detacher; waits for it and stays until
  // released so its session and group exist during the checks.
  [[noreturn]] void CallerMain(const std::vector<std::string>& argv, int out, int err,
                               const std::string& dpid_file, const std::string& status_file,
                               const std::string& release) {
    setsid();
    for (int i = 0; i < 3; ++i) open("/dev/null", O_RDONLY);
    // Start from a known state, whatever the environment handed us (glibc's
    // own signals 32 and 33 often arrive ignored; only the system call can
    // reset those), so verdicts do not depend on the machine.
    unsigned long dfl[8] = {};
    for (int sig = 1; sig < NSIG; ++sig) syscall(SYS_rt_sigaction, sig, dfl, nullptr, NSIG / 8);
    // What a shell gives a background job, or a careless server its workers:
    // ignored SIGINT/SIGQUIT/SIGPIPE and a blocked SIGUSR2.
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, nullptr);
    // fork + exec, not posix_spawn: glibc's posix_spawn sets its internal
    // signals (32, 33) to SIG_IGN in the child, which would blame every
    // detacher for a state its caller handed it.
    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    pid_t d = fork();
    if (d == 0) {
      int null = open("/dev/null", O_RDONLY);
      dup2(null, 0);
      dup2(out, 1);
      dup2(err, 2);
      execvp(cargv[0], cargv.data());
      _exit(127);
    }
    int rc = d < 0 ? errno : 0;
    int status = rc == 0 ? 0 : (127 << 8);
    if (rc == 0) {
      std::ofstream(dpid_file + ".tmp") << d;
      rename((dpid_file + ".tmp").c_str(), dpid_file.c_str());
      auto end = Clock::now() + std::chrono::seconds(12);
      for (;;) {
        pid_t w = waitpid(d, &status, WNOHANG);
        if (w == d || (w < 0 && errno != EINTR)) break;
        if (Clock::now() > end) {
          kill(d, SIGKILL);
          waitpid(d, &status, 0);
          break;
        }
        std::this_thread::sleep_for(Millis(1));
      }
    }
    std::ofstream(status_file + ".tmp") << status;
    rename((status_file + ".tmp").c_str(), status_file.c_str());
    auto end = Clock::now() + std::chrono::seconds(20);
    while (!Exists(release) && Clock::now() < end) std::this_thread::sleep_for(Millis(1));
    _exit(0);
  }

  const Description& d_;
  const SuiteOptions& o_;
};

std::string Fds(const std::vector<int>& fds) {
  std::string s;
  for (int fd : fds) s += (s.empty() ? "" : ",") + std::to_string(fd);
  return s;
}

// The one-line reason when a trial could not even show a command.
std::optional<std::string> NoCommand(const Trial& t) {
  if (!t.error.empty()) return "harness: " + t.error;
  if (t.command) return std::nullopt;
  std::string why = "the command never ran";
  if (t.exit_status > 0) {
    why += " (detacher wait status " + std::to_string(t.exit_status) + ")";
  }
  std::string err = t.err.substr(0, t.err.find('\n'));
  if (!err.empty()) why += ": " + err;
  return why;
}

}  // namespace

const char* StatusName(Status s) {
  switch (s) {
    case Status::kPass: return "PASS";
    case Status::kFail: return "FAIL";
    case Status::kSkip: return "SKIP";
  }
  return "?";
}

bool AnyFailure(const std::vector<Verdict>& v) {
  return std::any_of(v.begin(), v.end(), [](const Verdict& x) { return x.status == Status::kFail; });
}

std::vector<Verdict> RunSuite(const Description& d, const SuiteOptions& o) {
  Runner runner(d, o);
  std::vector<Verdict> out;
  auto verdict = [&](const std::string& p, Status s, std::string reason) {
    if (d.unclaimed.count(p)) {
      out.push_back({p, Status::kSkip, "not claimed (would be " + std::string(StatusName(s)) +
                                           (reason.empty() ? "" : ": " + reason) + ")"});
    } else {
      out.push_back({p, s, std::move(reason)});
    }
  };
  auto pass_if = [&](const std::string& p, std::optional<std::string> failure, const std::string& ok) {
    if (failure) verdict(p, Status::kFail, *failure);
    else verdict(p, Status::kPass, ok);
  };

  // A plain run, observed in every way that does not disturb it.
  Trial base = runner.Run({});
  const auto& c = base.command;

  {  // exec-failure: a missing program, and one that exists but is no program
    std::optional<std::string> f;
    std::string ok;
    for (bool missing : {true, false}) {
      TrialSpec spec;
      spec.nonexistent = missing;
      spec.not_a_program = !missing;
      Trial t = runner.Run(spec);
      std::string what = missing ? "a nonexistent command" : "a file that is executable but no program (ENOEXEC)";
      if (!t.error.empty()) f = "harness: " + t.error;
      else if (t.exit_status == 0) f = "reported success (exit 0) for " + what;
      else if (t.reported && d.pid != PidSource::kAdopted) f = "reported pid " + std::to_string(*t.reported) + " for " + what;
      else if (!t.lingering.empty()) f = "a process of the failed attempt was left behind (" + what + ")";
      if (f) break;
      ok += std::string(ok.empty() ? "" : "; ") + (missing ? "missing" : "ENOEXEC") + ": wait status " +
            std::to_string(t.exit_status);
    }
    pass_if("exec-failure", f, ok);
  }
  {  // argv-literal
    TrialSpec spec;
    std::string marker = reap_testing::TempDir() + "/ran";
    spec.payload = {"two words", "'single'", "\"double\"", "semi;touch " + marker,
                    "$(touch " + marker + ")", "`touch " + marker + "`", "line1\nline2", "*", "$HOME", ""};
    Trial t = runner.Run(spec);
    std::optional<std::string> f = NoCommand(t);
    if (!f) {
      auto it = std::find(t.cmdline.begin(), t.cmdline.end(), "--");
      std::vector<std::string> got(it == t.cmdline.end() ? t.cmdline.end() : it + 1, t.cmdline.end());
      if (Exists(marker)) f = "the arguments were interpreted: an injected command ran";
      else if (got != spec.payload) f = "arguments were changed on the way (got " + std::to_string(got.size()) + " of " + std::to_string(spec.payload.size()) + " intact)";
    }
    pass_if("argv-literal", f, "spaces, quotes, ; $() ` newline * $HOME and an empty argument arrive literally");
  }
  {  // new-session
    std::optional<std::string> f = NoCommand(base);
    if (!f) {
      if (c->sid == base.caller) f = "the command stays in the caller's session";
      else if (c->pgid == base.caller) f = "the command stays in the caller's process group";
      else if (c->tty != 0) f = "the command has a controlling terminal";
    }
    pass_if("new-session", f, c ? "sid " + std::to_string(c->sid) + (c->sid == c->pid ? " (leads it)" : " (does not lead it)") : "");
  }
  {  // reparented
    std::optional<std::string> f = NoCommand(base);
    if (!f && !base.reparented) {
      f = "the command's parent stays pid " + std::to_string(c->ppid) + ", not the adopter";
    }
    pass_if("reparented", f, "adopted by the subreaper once the detacher was done");
  }
  // survives-group-kill, survives-hangup: act on the caller after the detach.
  auto survives = [&](const char* property, Action action, const std::string& what) {
    TrialSpec spec;
    spec.action = action;
    Trial t = runner.Run(spec);
    std::optional<std::string> f = NoCommand(t);
    if (!f && !t.command_alive) f = what + " killed the command";
    pass_if(property, f, what);
  };
  survives("survives-group-kill", Action::kKillGroup, "SIGKILL to the caller's process group");
  survives("survives-hangup", Action::kHangupSession, "SIGHUP to every process of the caller's session");
  {  // clean-signals
    std::optional<std::string> f = NoCommand(base);
    if (!f && (c->sigign != 0 || c->sigblk != 0)) {
      char buf[96];
      snprintf(buf, sizeof buf, "starts with SigIgn=%llx SigBlk=%llx",
               static_cast<unsigned long long>(c->sigign), static_cast<unsigned long long>(c->sigblk));
      f = buf;
    }
    pass_if("clean-signals", f, "no ignored, no blocked signal (the caller ignored INT QUIT PIPE, blocked USR2)");
  }
  {  // no-leaked-fds
    std::optional<std::string> f = NoCommand(base);
    if (!f && c->fds != std::vector<int>{0, 1, 2}) f = "the command holds fds " + Fds(c->fds) + " (the caller had 3 inheritable extras)";
    pass_if("no-leaked-fds", f, "only 0,1,2 although the caller had inheritable extras");
  }
  {  // stdio-detached
    std::optional<std::string> f = NoCommand(base);
    if (!f) {
      for (int fd = 0; fd < 3 && !f; ++fd) {
        const std::string& target = base.stdio_targets[static_cast<std::size_t>(fd)];
        if (target.rfind("pipe:", 0) == 0 || target.rfind("/dev/pts", 0) == 0 || target.rfind("/dev/tty", 0) == 0) {
          f = "fd " + std::to_string(fd) + " is the caller's " + target + " (a $(...) capture would never end)";
        }
      }
    }
    pass_if("stdio-detached", f, base.stdio_targets.empty() ? "" : "0,1,2 on " + base.stdio_targets[0]);
  }
  {  // no-intermediate
    std::optional<std::string> f = NoCommand(base);
    if (!f && base.zombie_seen) f = "the detacher held a zombie child (an intermediate it never reaped)";
    if (!f && !base.lingering.empty()) f = "process " + std::to_string(base.lingering[0]) + " (an intermediate) outlived the detacher";
    pass_if("no-intermediate", f, "no zombie or lingering intermediate");
  }
  {  // pid-accurate
    if (d.pid == PidSource::kAdopted) {
      verdict("pid-accurate", Status::kSkip, "the detacher reports no PID");
    } else {
      std::optional<std::string> f = NoCommand(base);
      if (!f && !base.reported) f = "no PID was reported";
      if (!f && *base.reported != c->pid) f = "reported pid " + std::to_string(*base.reported) + " but the command is pid " + std::to_string(c->pid);
      pass_if("pid-accurate", f, "the reported PID is the command's own");
    }
  }
  {  // random-faults
    std::mt19937 rng(o.seed);
    std::optional<std::string> f;
    int rounds = 0;
    for (; rounds < o.rounds && !f; ++rounds) {
      TrialSpec spec;
      spec.action = Action::kRandomFault;
      spec.fault_delay_us = static_cast<int>(rng() % 3000);
      const int sigs[] = {SIGKILL, SIGTERM, SIGHUP};
      spec.fault_signal = sigs[rng() % 3];
      spec.fault_on_caller = rng() % 2 == 0;
      Trial t = runner.Run(spec);
      std::string what = std::string(spec.fault_on_caller ? "caller" : "detacher") + " got signal " +
                         std::to_string(spec.fault_signal) + " after " + std::to_string(spec.fault_delay_us) + " us: ";
      if (!t.error.empty()) f = what + "harness: " + t.error;
      else if (t.command && !t.command_alive) f = what + "the command died";
      else if (t.command && !d.unclaimed.count("new-session") && t.command->sid == t.caller) f = what + "the command stayed in the caller's session";
      else if (t.command && t.exit_status == 0 && t.reported && d.pid != PidSource::kAdopted &&
               !d.unclaimed.count("pid-accurate") && *t.reported != t.command->pid) {
        f = what + "reported pid " + std::to_string(*t.reported) + " but the command is " + std::to_string(t.command->pid);
      } else if (!t.command && t.exit_status == 0 && d.pid != PidSource::kAdopted && t.reported) {
        f = what + "reported pid " + std::to_string(*t.reported) + " but no command ran";
      }
    }
    pass_if("random-faults", f, std::to_string(rounds) + " rounds (seed " + std::to_string(o.seed) + ")");
  }
  return out;
}

}  // namespace reap_conformance
