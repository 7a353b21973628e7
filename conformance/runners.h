// What drives each mode: the runners behind RunSuite and CheckPlainRun.
#ifndef REAP_CONFORMANCE_RUNNERS_H_
#define REAP_CONFORMANCE_RUNNERS_H_

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "conformance/description.h"
#include "conformance/properties.h"
#include "conformance/suite.h"

namespace reap_conformance {

// CLI mode (cli_suite.cc) and server mode (server_suite.cc).
std::vector<Verdict> RunCliSuite(const Description& d, const SuiteOptions& o);
std::vector<Verdict> RunServerSuite(const Description& d, const SuiteOptions& o);
std::string CheckCliPlainRun(const Description& d, const SuiteOptions& o);
std::string CheckServerPlainRun(const Description& d, const SuiteOptions& o);

// Judges every property of MODE in report order (JUDGE runs one) and
// concludes each.
std::vector<Verdict> JudgeAll(const Description& d, const SuiteOptions& o, Mode mode,
                              const std::function<Outcome(PropertyId)>& judge);

// The verdict of PROPERTY from what its check found: SKIP when D does not
// claim it; reported to o.on_verdict; its time runs from START.
Verdict Conclude(const Description& d, const SuiteOptions& o, const std::string& property, const Outcome& r,
                 std::chrono::steady_clock::time_point start);

}  // namespace reap_conformance

#endif  // REAP_CONFORMANCE_RUNNERS_H_
