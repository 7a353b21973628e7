// reaper-conformance: checks any detacher against the properties users rely
// on. docs/reaper-conformance.1 is the manual; docs/conformance-suite.md
// says what each property means.
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "conformance/cgroups.h"
#include "conformance/description.h"
#include "conformance/probe/probe_main.h"
#include "conformance/report.h"
#include "conformance/suite.h"
#include "reap/decimal.h"
#include "reap/subreaper.h"
#include "reap/version.h"

namespace {

constexpr char kHelp[] = R"(usage: reaper-conformance [OPTIONS] DESCRIPTION_FILE...
       reaper-conformance [OPTIONS] --name NAME --template TEMPLATE
                          [--pid stdout|pidfile|adopted] [--mode cli|server]
                          [--unclaimed PROPERTY]...

Runs a detacher around a probe command and checks the properties its users
rely on (see reaper-conformance(1)). Progress goes to stderr, the verdict
table to stdout.

  --name NAME           name of the detacher given by --template
  --template TEMPLATE   its command line, e.g. 'setsid -f {cmd}'
  --pid SOURCE          where its PID comes from: stdout, pidfile or adopted
  --mode MODE           cli (default): a command line that detaches and exits;
                        server: a program that stays up and detaches one
                        command per request (a JSON argv per stdin line,
                        the PID or "error: ..." per stdout line)
  --unclaimed PROPERTY  a property it does not promise (SKIP); repeatable
  --define NAME=VALUE   fill {NAME} in templates; repeatable
  --rounds N            random-fault rounds that must exercise the claim
                        (default 20; at most 5 times as many are drawn)
  --trials N            trials of each action in safe-at-return (default 30)
  --seed N              seed of the random faults and delays (default 1)
  --probe PATH          detach PATH instead of this program's built-in probe
  --junit FILE          write JUnit XML (with times) to FILE
  --json FILE           write the verdicts as JSON to FILE
  --markdown FILE       write a markdown matrix of all detachers to FILE
  --help                show this help
  --version             show the version

Exit status: 0 every claimed property holds, 1 some property failed,
2 usage or configuration error (nothing was run), 3 no property failed but
some were INCONCLUSIVE (the suite could not exercise them enough to decide).
)";

int Usage(const std::string& why) {
  std::fprintf(stderr, "reaper-conformance: %s (see reaper-conformance --help)\n", why.c_str());
  return 2;
}

// A whole decimal number in [MIN, MAX], or false.
bool ParseNumber(const std::string& s, long min, long max, long* out) {
  unsigned long long v = 0;
  if (!reap::ParseDecimal(s, static_cast<unsigned long long>(max), &v) ||
      v < static_cast<unsigned long long>(min)) {
    return false;
  }
  *out = static_cast<long>(v);
  return true;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  f.close();
  return static_cast<bool>(f);
}

std::string SelfPath() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

// Whatever the suite inherited stays out of its trials: the caller it builds
// must hold exactly the extra fds the suite chose.
void CloseInheritedFds() {
  if (syscall(SYS_close_range, 3u, ~0u, 0u) == 0) return;
  for (int fd = 3; fd < 65536; ++fd) close(fd);
}

// As PID 1 of a PID namespace, the suite runs in a child that is a
// subreaper: orphans then get a parent that is not PID 1, as everywhere else
// (libslack daemon, for one, changes course when its parent is PID 1).
// PID 1 reaps whatever else reaches it and passes the exit status on.
int RunBelowPid1(const std::function<int()>& body) {
  pid_t child = fork();
  if (child < 0) return Usage(std::string("fork: ") + strerror(errno));
  if (child == 0) std::_Exit(body());
  for (;;) {
    int status = 0;
    pid_t w = waitpid(-1, &status, 0);
    if (w == child) return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    if (w < 0 && errno != EINTR) return 1;
  }
}

struct Args {
  reap_conformance::SuiteOptions opts;
  std::vector<std::string> files, unclaimed;
  std::string junit, json, markdown, name, templ, pid = "stdout", mode = "cli";
  bool help = false, version = false;
};

// Parses argv; returns "" or what is wrong.
std::string ParseSuiteArgs(int argc, char** argv, Args* a) {
  using Setter = std::function<std::string(const std::string&)>;
  auto number = [](long* out, long min, long max, const char* opt) -> Setter {
    return [=](const std::string& v) {
      return ParseNumber(v, min, max, out)
                 ? std::string()
                 : std::string(opt) + " wants a whole number from " + std::to_string(min) + " to " +
                       std::to_string(max) + ", not '" + v + "'";
    };
  };
  auto text = [](std::string* out) -> Setter {
    return [=](const std::string& v) {
      *out = v;
      return std::string();
    };
  };
  long rounds = a->opts.rounds, trials = a->opts.trials, seed = a->opts.seed;
  const std::vector<std::pair<std::string, Setter>> with_value = {
      {"--rounds", number(&rounds, 1, 100000, "--rounds")},
      {"--trials", number(&trials, 1, 100000, "--trials")},
      {"--seed", number(&seed, 0, 4294967295L, "--seed")},
      {"--define",
       [&](const std::string& v) {
         std::size_t eq = v.find('=');
         if (eq == std::string::npos || eq == 0)
           return std::string("--define wants NAME=VALUE, not '" + v + "'");
         a->opts.defines[v.substr(0, eq)] = v.substr(eq + 1);
         return std::string();
       }},
      {"--probe", text(&a->opts.probe)},
      {"--junit", text(&a->junit)},
      {"--json", text(&a->json)},
      {"--markdown", text(&a->markdown)},
      {"--name", text(&a->name)},
      {"--template", text(&a->templ)},
      {"--pid", text(&a->pid)},
      {"--mode", text(&a->mode)},
      {"--unclaimed",
       [&](const std::string& v) {
         a->unclaimed.push_back(v);
         return std::string();
       }},
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help") {
      a->help = true;
      continue;
    }
    if (arg == "--version") {
      a->version = true;
      continue;
    }
    if (arg.size() > 1 && arg[0] == '-') {
      std::string opt = arg, value;
      bool inline_value = false;
      if (std::size_t eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
        opt = arg.substr(0, eq);
        value = arg.substr(eq + 1);
        inline_value = true;
      }
      auto it =
          std::find_if(with_value.begin(), with_value.end(), [&](const auto& o) { return o.first == opt; });
      if (it == with_value.end()) return "unknown option '" + arg + "'";
      if (!inline_value) {
        if (i + 1 >= argc) return opt + " needs a value";
        value = argv[++i];
      }
      if (std::string why = it->second(value); !why.empty()) return why;
      continue;
    }
    a->files.push_back(arg);
  }
  a->opts.rounds = static_cast<int>(rounds);
  a->opts.trials = static_cast<int>(trials);
  a->opts.seed = static_cast<unsigned>(seed);
  return "";
}

// Every description, parsed and checked before anything runs.
std::string LoadDescriptions(const Args& a, std::vector<reap_conformance::Description>* out) {
  if (!a.templ.empty()) {
    reap_conformance::Description d;
    std::vector<std::pair<std::string, std::string>> fields = {
        {"name", a.name.empty() ? a.templ : a.name}, {"template", a.templ}, {"pid", a.pid}, {"mode", a.mode}};
    for (const auto& u : a.unclaimed) fields.emplace_back("unclaimed", u);
    for (const auto& [key, value] : fields) {
      if (auto set = reap_conformance::SetField(&d, key, value); !set.ok())
        return "--" + key + ": " + set.error().reason;
    }
    out->push_back(d);
  } else if (!a.name.empty() || !a.unclaimed.empty() || a.pid != "stdout" || a.mode != "cli") {
    return "--name, --pid, --mode and --unclaimed describe a --template";
  }
  for (const auto& f : a.files) {
    std::ifstream in(f);
    if (!in) return f + ": " + strerror(errno);
    std::stringstream ss;
    ss << in.rdbuf();
    auto d = reap_conformance::ParseDescription(ss.str());
    if (!d.ok()) return f + ": " + d.error().Message();
    out->push_back(d.value());
  }
  if (out->empty()) return "no detacher described (give description files or --template)";
  for (const auto& d : *out) {
    if (std::string why = reap_conformance::CheckRunnable(d, a.opts); !why.empty()) {
      if (why == "unknown placeholder {cgroup}" && !a.opts.no_cgroup_why.empty()) {
        why = "{cgroup} (a cgroup to escape into) is not available: " + a.opts.no_cgroup_why;
      }
      return "detacher '" + d.name + "': " + why;
    }
  }
  return "";
}

int RunAll(const Args& a, const std::vector<reap_conformance::Description>& descriptions) {
  // The suite's world: everything detached is adopted here and reaped.
  if (auto st = reap::BecomeSubreaper(); !st.ok()) {
    std::fprintf(stderr, "reaper-conformance: %s\n", st.error().ToString().c_str());
    return 1;
  }
  // A description that cannot even run the probe is a configuration error:
  // one line, no verdicts.
  for (const auto& d : descriptions) {
    std::fprintf(stderr, "reaper-conformance: %s: a plain run first\n", d.name.c_str());
    if (std::string why = reap_conformance::CheckPlainRun(d, a.opts); !why.empty()) {
      std::fprintf(stderr, "reaper-conformance: detacher '%s': %s\n", d.name.c_str(), why.c_str());
      return 2;
    }
  }
  reap_conformance::Results results;
  bool failed = false, undecided = false;
  for (const auto& d : descriptions) {
    reap_conformance::SuiteOptions opts = a.opts;
    opts.on_verdict = [&](const reap_conformance::Verdict& v) {
      std::fprintf(stderr, "reaper-conformance: %s: %-20s %s (%.1f s)\n", d.name.c_str(), v.property.c_str(),
                   reap_conformance::StatusName(v.status), v.seconds);
    };
    auto verdicts = reap_conformance::RunSuite(d, opts);
    std::fputs(reap_conformance::Table(d.name, verdicts).c_str(), stdout);
    std::fflush(stdout);
    failed = failed || reap_conformance::AnyFailure(verdicts);
    undecided = undecided || reap_conformance::AnyInconclusive(verdicts);
    results.emplace_back(d.name, std::move(verdicts));
  }
  bool written = true;
  auto write = [&](const std::string& path, const std::string& text) {
    if (path.empty() || WriteFile(path, text)) return;
    std::fprintf(stderr, "reaper-conformance: cannot write %s: %s\n", path.c_str(), strerror(errno));
    written = false;
  };
  write(a.junit, reap_conformance::JUnitXml(results));
  write(a.json, reap_conformance::Json(results));
  write(a.markdown, reap_conformance::MarkdownMatrix(results));
  if (!written) return 2;
  return failed ? 1 : undecided ? 3 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "__probe") return reap_conformance::ProbeMain(argc - 1, argv + 1);
  CloseInheritedFds();
  // A server that dies before reading its request must not take the suite
  // with it (every caller resets its signals before it runs a detacher).
  signal(SIGPIPE, SIG_IGN);
  Args a;
  if (std::string why = ParseSuiteArgs(argc, argv, &a); !why.empty()) return Usage(why);
  if (a.help) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  if (a.version) {
    std::printf("reaper-conformance %s\n", reap::kVersion);
    return 0;
  }
  if (a.opts.probe.empty()) {
    a.opts.probe = SelfPath();
    a.opts.probe_args = {"__probe"};
    if (a.opts.probe.empty())
      return Usage("cannot read /proc/self/exe to find the built-in probe; pass --probe PATH");
  } else if (access(a.opts.probe.c_str(), X_OK) != 0) {
    return Usage("--probe " + a.opts.probe + ": " + strerror(errno));
  } else {
    char buf[4096];
    if (realpath(a.opts.probe.c_str(), buf) != nullptr) a.opts.probe = buf;
  }
  // survives-cgroup-kill runs callers in fresh leaves; {cgroup} is a
  // sibling leaf a template may escape into, kept for the whole run.
  std::unique_ptr<reap_conformance::CgroupLeaf> escape;
  a.opts.cgroup_root = reap_conformance::FindCgroup2(&a.opts.no_cgroup_why);
  if (!a.opts.cgroup_root.empty()) {
    escape = reap_conformance::CgroupLeaf::Create(a.opts.cgroup_root, "reap-conformance-escape",
                                                  &a.opts.no_cgroup_why);
    if (!escape) a.opts.cgroup_root.clear();
  }
  if (escape && a.opts.defines.count("cgroup") == 0) a.opts.defines["cgroup"] = escape->path();
  std::vector<reap_conformance::Description> descriptions;
  if (std::string why = LoadDescriptions(a, &descriptions); !why.empty()) return Usage(why);
  if (getpid() == 1) return RunBelowPid1([&] { return RunAll(a, descriptions); });
  return RunAll(a, descriptions);
}
