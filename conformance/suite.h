// The conformance suite: runs a detacher (a command line, or a server that
// detaches on request) around the probe and judges each property
// (properties.h) from what /proc and the probe show.
#ifndef REAP_CONFORMANCE_SUITE_H_
#define REAP_CONFORMANCE_SUITE_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "conformance/description.h"
#include "conformance/properties.h"

namespace reap_conformance {

// "PASS", "FAIL", "SKIP", "INCONCLUSIVE" (the suite could not exercise the
// claim often enough to decide: never a PASS in disguise; exit status 3).
const char* StatusName(Status s);

struct Verdict {
  std::string property;
  Status status = Status::kSkip;
  std::string reason;  // one line
  double seconds = 0;  // time spent on this property's trials
};

struct SuiteOptions {
  // The command the suite detaches: PROBE PROBE_ARGS... --report ... It
  // reports its identity from inside and lingers (conformance/probe).
  std::string probe;
  std::vector<std::string> probe_args;
  int rounds = 20;                             // random-fault rounds that must exercise the claim
  int trials = 30;                             // trials of each action in safe-at-return
  unsigned seed = 1;                           // for the random faults and delays
  std::map<std::string, std::string> defines;  // {NAME} -> VALUE
  // Where the suite makes cgroup v2 leaves for survives-cgroup-kill (a
  // writable cgroup2 with cgroup.kill), or "" and why there is none.
  std::string cgroup_root, no_cgroup_why;
  // Called as each property's verdict is known (progress reports).
  std::function<void(const Verdict&)> on_verdict;
};

// Checks what can be checked before anything runs: the template expands,
// and its program exists and is executable. Returns "" or one line.
std::string CheckRunnable(const Description& d, const SuiteOptions& o);

// One plain run of D (no fault, nothing checked but that it ran the probe
// as given), before any verdict: "" or one line saying what happened, e.g.
// that the command never ran. Such a description is a configuration error,
// not a detacher with failed properties. Same caller rules as RunSuite.
std::string CheckPlainRun(const Description& d, const SuiteOptions& o);

// Runs every property against D. The calling process must be a subreaper
// (not PID 1: see main.cc); it reaps and kills everything the suite started.
std::vector<Verdict> RunSuite(const Description& d, const SuiteOptions& o);

// True when some claimed property failed.
bool AnyFailure(const std::vector<Verdict>& v);
// True when some claimed property could not be decided.
bool AnyInconclusive(const std::vector<Verdict>& v);

}  // namespace reap_conformance

#endif  // REAP_CONFORMANCE_SUITE_H_
