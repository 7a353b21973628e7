// The conformance suite: runs a detacher's command line around the probe and
// judges each property from what /proc and the probe show.
#ifndef REAP_TESTING_CONFORMANCE_SUITE_H_
#define REAP_TESTING_CONFORMANCE_SUITE_H_

#include <map>
#include <string>
#include <vector>

#include "testing/conformance/description.h"

namespace reap_conformance {

enum class Status { kPass, kFail, kSkip };
const char* StatusName(Status s);

struct Verdict {
  std::string property;
  Status status = Status::kSkip;
  std::string reason;  // one line
};

struct SuiteOptions {
  std::string probe;   // path of testing/probe
  int rounds = 20;     // random-fault rounds
  unsigned seed = 1;   // for the random faults
  std::map<std::string, std::string> defines;  // {NAME} -> VALUE
};

// Runs every property against D. The calling process must be a subreaper
// (or PID 1); it reaps and kills everything the suite started.
std::vector<Verdict> RunSuite(const Description& d, const SuiteOptions& o);

// True when some claimed property failed.
bool AnyFailure(const std::vector<Verdict>& v);

}  // namespace reap_conformance

#endif  // REAP_TESTING_CONFORMANCE_SUITE_H_
