// Conformance reports: a table for people, JUnit XML for CI systems, JSON,
// and a markdown matrix over several detachers.
#ifndef REAP_CONFORMANCE_REPORT_H_
#define REAP_CONFORMANCE_REPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "conformance/suite.h"

namespace reap_conformance {

using Results = std::vector<std::pair<std::string, std::vector<Verdict>>>;  // detacher -> verdicts

std::string Table(const std::string& detacher, const std::vector<Verdict>& v);
std::string JUnitXml(const Results& r);
std::string Json(const Results& r);
// One row per property, one column per detacher; reasons of failures below.
std::string MarkdownMatrix(const Results& r);

}  // namespace reap_conformance

#endif  // REAP_CONFORMANCE_REPORT_H_
