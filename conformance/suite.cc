// The suite's entry points: what can be checked before anything runs, the
// plain run, and the dispatch to each mode's runner.
#include "conformance/suite.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "conformance/runners.h"
#include "reap/observe.h"

namespace reap_conformance {

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
  if (!reap::FindOnPath(program, getenv("PATH")).ok()) return "program " + program + ": not found on PATH";
  return "";
}

std::string CheckPlainRun(const Description& d, const SuiteOptions& o) {
  return d.mode == Mode::kServer ? CheckServerPlainRun(d, o) : CheckCliPlainRun(d, o);
}

std::vector<Verdict> JudgeAll(const Description& d, const SuiteOptions& o, Mode mode,
                              const std::function<Outcome(PropertyId)>& judge) {
  std::vector<Verdict> out;
  for (const Property& p : Properties()) {
    if (!(mode == Mode::kCli ? p.cli : p.server)) continue;
    auto start = std::chrono::steady_clock::now();
    Outcome r = judge(p.id);
    out.push_back(Conclude(d, o, p.name, r, start));
  }
  return out;
}

std::vector<Verdict> RunSuite(const Description& d, const SuiteOptions& o) {
  return d.mode == Mode::kServer ? RunServerSuite(d, o) : RunCliSuite(d, o);
}

Verdict Conclude(const Description& d, const SuiteOptions& o, const std::string& property, const Outcome& r,
                 std::chrono::steady_clock::time_point start) {
  Verdict v{property, r.status, r.reason,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
  if (d.unclaimed.count(property) && v.status != Status::kSkip) {
    v.reason = "not claimed (would be " + std::string(StatusName(v.status)) +
               (v.reason.empty() ? "" : ": " + v.reason) + ")";
    v.status = Status::kSkip;
  }
  if (o.on_verdict) o.on_verdict(v);
  return v;
}

}  // namespace reap_conformance
